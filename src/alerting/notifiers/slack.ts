import { isHandover } from '../handover/notice.ts';
import { handoverText } from '../handover/text.ts';
import type { Notification } from '../lifecycle/notification.ts';
import { postJson } from './http-post.ts';
import type { NotifierType } from './notifier.ts';

const ICON: Record<string, string> = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' };

/** The text of a Slack message: one line per alert, and the notification id last (Slack has no field for it). */
export function slackText(n: Notification): string {
  const head = n.test ? '*Seamline test notification*' : `*${n.status === 'firing' ? 'FIRING' : 'RESOLVED'}* ${n.alerts.length} alert(s)`;
  const lines = n.alerts.map((a) => {
    const where = a.labels.camera ? ` ${a.labels.region}/${a.labels.site}/${a.labels.camera}` : '';
    const icon = a.status === 'resolved' ? ':white_check_mark:' : (ICON[a.severity] ?? '');
    return `${icon} *${a.rule}*${where}: ${a.summary}${a.repeat ? ' (still firing)' : ''}${a.reason ? ` (${a.reason.replace('_', ' ')})` : ''}${a.evidence_url ? ` <${a.evidence_url}|evidence>` : ''}`;
  });
  return [head, ...lines, `_id ${n.id}_`].join('\n');
}

/** Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): `{ text }` with mrkdwn. */
export const slackNotifier: NotifierType = {
  type: 'slack',
  needsUrl: true,
  create: (r) => ({
    name: r.name,
    send: (n) => postJson(r.url!, { text: isHandover(n) ? handoverText(n) : slackText(n) }, n.id, r.timeout),
  }),
};

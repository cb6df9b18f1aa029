import { v7 as uuidv7 } from 'uuid';
import { evidenceUrl } from './evidence-link.ts';
import type { AlertInstance, Transition } from './state-machine.ts';

export const NOTIFICATION_VERSION = 'seamline.alerts.v1';

/** One alert inside a notification (docs/alerting.md shows full bodies). */
export interface AlertNotice {
  /** `<instance key>#<n>`: unique per transition; a receiver that sees it twice has seen one transition. */
  transition_id: string;
  status: 'firing' | 'resolved';
  /** A repeat_interval reminder of an alert that is still firing. */
  repeat: boolean;
  rule: string;
  severity: string;
  labels: Record<string, string>;
  summary: string;
  value: number;
  starts_at: string;
  ends_at: string | null;
  /** Why it resolved when the condition did not clear: `shift_ended`. */
  reason?: string;
  /** The dashboard view of the images behind it (defect-rate, silent-camera), when the engine knows the dashboard's URL. */
  evidence_url?: string;
}

/** What a receiver gets: the alerts of one group that changed in one evaluation, with the same status. */
export interface Notification {
  version: typeof NOTIFICATION_VERSION;
  /** Unique per notification and receiver, also in the Idempotency-Key header: a receiver can drop repeats of it. */
  id: string;
  receiver: string;
  status: 'firing' | 'resolved';
  group_key: string;
  group_labels: Record<string, string>;
  created_at: string;
  alerts: AlertNotice[];
  /** `seamline alerts test` sets it. */
  test?: boolean;
}

/** Labels every alert carries besides the rule's own: alertname, severity, and the camera's. */
export function alertLabels(a: AlertInstance): Record<string, string> {
  return { ...a.labels, alertname: a.rule, severity: a.severity, ...(a.camera ?? {}) };
}

export function toNotice(a: AlertInstance, t: Transition, reason?: string, dashboardUrl?: string): AlertNotice {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    transition_id: `${a.key}#${a.seq}`,
    status: t === 'resolved' ? 'resolved' : 'firing',
    repeat: t === 'repeat',
    rule: a.rule,
    severity: a.severity,
    labels: alertLabels(a),
    summary: a.summary,
    value: a.value,
    starts_at: iso(a.firedAt) ?? new Date(0).toISOString(),
    ends_at: t === 'resolved' ? iso(a.resolvedAt) : null,
    ...(reason ? { reason } : {}),
    ...(dashboardUrl && a.camera && a.evidence ? { evidence_url: evidenceUrl(dashboardUrl, a.camera, a.evidence) } : {}),
  };
}

/**
 * Groups the notices of one evaluation: one notification per receiver, per value of the route's
 * groupBy labels, per status. `receiversOf` gives each notice's receivers (its rule's).
 */
export function groupNotices(
  notices: readonly AlertNotice[],
  receiversOf: (n: AlertNotice) => readonly string[],
  groupBy: readonly string[],
  nowMs: number,
): Notification[] {
  const groups = new Map<string, Notification>();
  for (const notice of notices) {
    const groupLabels = Object.fromEntries(groupBy.map((l) => [l, notice.labels[l] ?? '']));
    const groupKey = JSON.stringify(groupLabels);
    for (const receiver of receiversOf(notice)) {
      const k = `${receiver}\n${notice.status}\n${groupKey}`;
      let n = groups.get(k);
      if (!n) {
        n = {
          version: NOTIFICATION_VERSION,
          id: uuidv7(),
          receiver,
          status: notice.status,
          group_key: groupKey,
          group_labels: groupLabels,
          created_at: new Date(nowMs).toISOString(),
          alerts: [],
        };
        groups.set(k, n);
      }
      n.alerts.push(notice);
    }
  }
  return [...groups.values()];
}

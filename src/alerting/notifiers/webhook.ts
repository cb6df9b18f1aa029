import { postJson } from './http-post.ts';
import type { NotifierType } from './notifier.ts';

/** Generic JSON webhook: the notification as it is (docs/alerting.md), id also in the Idempotency-Key header. */
export const webhookNotifier: NotifierType = {
  type: 'webhook',
  needsUrl: true,
  create: (r) => ({ name: r.name, send: (n) => postJson(r.url!, n, n.id, r.timeout) }),
};

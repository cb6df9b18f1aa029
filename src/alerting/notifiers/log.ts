import type { NotifierType } from './notifier.ts';

/** Writes each notification as one JSON log line (warn): always available, and what `npm start` uses by default. */
export const logNotifier: NotifierType = {
  type: 'log',
  needsUrl: false,
  create: (r, logger) => ({
    name: r.name,
    async send(n) {
      logger.warn({ notification: n }, `alert ${n.status}: ${n.alerts.map((a) => `${a.rule} ${a.labels.camera ?? ''}`.trim()).join(', ')}`);
    },
  }),
};

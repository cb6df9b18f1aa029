import { isHandover } from '../handover/notice.ts';
import { handoverLogLine } from '../handover/text.ts';
import type { NotifierType } from './notifier.ts';

/** Writes each notification as one JSON log line (warn; a handover notice: info): always available, and what `npm start` uses by default. */
export const logNotifier: NotifierType = {
  type: 'log',
  needsUrl: false,
  create: (r, logger) => ({
    name: r.name,
    async send(n) {
      if (isHandover(n)) return logger.info({ handover: n }, handoverLogLine(n));
      logger.warn({ notification: n }, `alert ${n.status}: ${n.alerts.map((a) => `${a.rule} ${a.labels.camera ?? ''}`.trim()).join(', ')}`);
    },
  }),
};

import { parseAlertsConfig, type AlertsConfig } from '../../src/alerting/alerts-config.ts';
import { AlertEngine } from '../../src/alerting/engine.ts';
import type { HandoverNotice } from '../../src/alerting/handover/notice.ts';
import type { EngineMaker } from './harness.ts';
import type { WebhookReceiver } from './webhook-receiver.ts';

export { MIN } from './harness.ts';

/**
 * A 22:00-06:00 Europe/Berlin night shift every day, the handover to one webhook receiver (and optionally more),
 * no alert rules: what the handover tests share. `extra` is merged into the config as given.
 */
export function handoverConfig(hookUrl: string, extra: Record<string, unknown> = {}): AlertsConfig {
  return parseAlertsConfig({
    evaluateEvery: '1m',
    dashboardUrl: 'https://seamline.plant.example',
    shifts: {
      night: { timezone: 'Europe/Berlin', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '06:00' },
    },
    receivers: [{ name: 'hook', type: 'webhook', url: hookUrl }],
    route: { receivers: ['hook'] },
    rules: [],
    handover: { receivers: ['hook'] },
    ...extra,
  });
}

/** Makes engines that hand over (the engine summarizes from the store it reads, as `alerts run` does without images). */
export const handoverEngine =
  (config: AlertsConfig): EngineMaker =>
  (reader, state, lock, clock) =>
    new AlertEngine({ config, reader, state, lock, clock });

/** The handover notices a webhook receiver got (it types its bodies as alert notifications). */
export const notices = (hook: WebhookReceiver) => hook.bodies as unknown as HandoverNotice[];

import type { Logger } from 'pino';
import { assertReaderServes, loadAlertsConfig, parseAlertsConfig, type AlertsConfig } from '../../alerting/alerts-config.ts';
import { AlertEngine } from '../../alerting/engine.ts';
import { handoverSummary } from '../../alerting/handover/queue.ts';
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
import { SeamError } from '../../contract/index.ts';
import type { Store } from '../../store/store.ts';
import { DEFAULT_ALERTS } from '../config/default-alerts.ts';

/** `default` (the built-in rules), `off`, or a file path: what --alerts and the `alerts` key take. */
export function alertsConfigFor(choice: string): AlertsConfig | undefined {
  if (choice === 'off') return undefined;
  return choice === 'default' ? parseAlertsConfig(DEFAULT_ALERTS) : loadAlertsConfig(choice);
}

export interface RunningAlerting {
  engine: AlertEngine;
  /** Starts the loop (after the dashboard that shows it is up). */
  start(): void;
  close(): Promise<void>;
}

/**
 * Alert state and lock for `store`, and an engine over them (not yet started). Checks the store can answer every
 * rule. `evidence`, when given, puts the shift's top defect images into each handover notice's summary.
 */
export async function openAlerting(config: AlertsConfig, store: Store, logger: Logger, evidence?: EvidenceStore): Promise<RunningAlerting> {
  assertReaderServes(config, store);
  // Kept beside the data where the store can (capabilities.ts); the line-protocol stores cannot (no transactions).
  const home = store.capabilities.alertState;
  if (!home) throw new SeamError('SEAM_ERR_CONFIG', `alert state needs a duckdb or postgres store, not ${store.name}`, { field: 'store' });
  const counts = store.capabilities.shiftCounts;
  const summarize = config.handover && counts ? handoverSummary(counts, config.calendar, config.handover, evidence) : undefined;
  const { state, lock } = home();
  await state.open();
  const engine = new AlertEngine({ config, reader: store, state, lock, logger, summarize });
  return {
    engine,
    start: () => engine.start(),
    async close() {
      await engine.stop();
      await state.close();
    },
  };
}

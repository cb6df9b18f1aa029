import type { Logger } from 'pino';
import { assertReaderServes, loadAlertsConfig, parseAlertsConfig, type AlertsConfig } from '../alerting/config.ts';
import { AlertEngine } from '../alerting/engine.ts';
import { createAlertState } from '../store/alert-state-registry.ts';
import type { Store, StoreConfig } from '../store/registry.ts';
import { DEFAULT_ALERTS } from './config/default-alerts.ts';

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

/** Alert state and lock for `store`, and an engine over them (not yet started). Checks the store can answer every rule. */
export async function openAlerting(config: AlertsConfig, store: Store, storeConfig: StoreConfig, logger: Logger): Promise<RunningAlerting> {
  assertReaderServes(config, store);
  const { state, lock } = createAlertState(store, storeConfig);
  await state.open();
  const engine = new AlertEngine({ config, reader: store, state, lock, logger });
  return {
    engine,
    start: () => engine.start(),
    async close() {
      await engine.stop();
      await state.close();
    },
  };
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAlertsConfig, type AlertsConfig } from '../../src/alerting/alerts-config.ts';
import { AlertEngine } from '../../src/alerting/engine.ts';
import type { DetectionV1 } from '../../src/contract/index.ts';
import type { AlertLock, AlertStateStore } from '../../src/store/alert-state.ts';
import { DuckDbAlertState, LOCAL_LOCK } from '../../src/store/duckdb/alert-state.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresAlertLock, PostgresAlertState } from '../../src/store/postgres/alert-state.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { makeEvent } from '../helpers/events.ts';
import { FakeClock } from './fake-clock.ts';

export const MIN = 60_000;

/** Events of one camera every `stepMs` in [fromMs, toMs), consecutive seq, captured at those instants. */
export function eventsEvery(camera: string, fromMs: number, toMs: number, stepMs = MIN, site = 'plant-1'): DetectionV1[] {
  const out: DetectionV1[] = [];
  for (let t = fromMs, seq = 0; t < toMs; t += stepMs, seq++)
    out.push(makeEvent({ camera, site, seq, captured_at: new Date(t).toISOString() }));
  return out;
}

/** The silent-camera config the engine tests share: a 06:00-14:00 Berlin weekday shift, 5-minute window. */
export function silentConfig(url: string, rule: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return parseAlertsConfig({
    evaluateEvery: '1m',
    shifts: { day: { timezone: 'Europe/Berlin', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '06:00', end: '14:00' } },
    receivers: [{ name: 'hook', type: 'webhook', url }],
    route: { receivers: ['hook'], groupBy: ['alertname', 'site'] },
    rules: [
      { name: 'camera-silent', kind: 'silent_camera', severity: 'critical', for: '1m', shifts: ['day'], params: { window: '5m' }, ...rule },
    ],
    ...extra,
  });
}

/** Builds the engine of a harness over its store (reader), alert state, lock and clock. */
export type EngineMaker = (reader: DuckDbStore | PostgresStore, state: AlertStateStore, lock: AlertLock, clock: FakeClock) => AlertEngine;

/** A DuckDB file store with alert state and an engine on a fake clock; `restart` closes and reopens all three. */
export async function duckHarness(config: AlertsConfig, startMs: number) {
  const path = join(mkdtempSync(join(tmpdir(), 'seamline-alerts-')), 'seamline.duckdb');
  const clock = new FakeClock(startMs);
  const h = {
    clock,
    store: undefined as unknown as DuckDbStore,
    state: undefined as unknown as DuckDbAlertState,
    engine: undefined as unknown as AlertEngine,
    async open() {
      h.store = new DuckDbStore({ path });
      await h.store.open();
      h.state = new DuckDbAlertState(() => h.store.connect());
      await h.state.open();
      h.engine = new AlertEngine({ config, reader: h.store, state: h.state, lock: LOCAL_LOCK, clock });
    },
    /** Advance the clock by `ms`, tick and deliver. */
    async at(ms: number) {
      clock.set(ms);
      await h.engine.tick();
      await h.engine.deliver();
    },
    async close() {
      await h.engine.stop();
      await h.state.close();
      await h.store.close();
    },
    async restart() {
      await h.close();
      await h.open();
    },
  };
  await h.open();
  return h;
}

/** One engine on PostgreSQL as a separate process would have it: its own reader pool, state pool and lock connection. */
export async function pgEngine(url: string, schema: string, clock: FakeClock, makeEngine: EngineMaker) {
  const reader = new PostgresStore({ url, schema, timescale: 'off' });
  await reader.open();
  const state = new PostgresAlertState({ url, schema });
  await state.open();
  const lock = new PostgresAlertLock(url, schema);
  const engine = makeEngine(reader, state, lock, clock);
  return {
    engine,
    lock,
    state,
    reader,
    async close() {
      await engine.stop();
      await state.close();
      await reader.close();
    },
  };
}

/**
 * A small plant written through a store's real write path around the Berlin night shift of 2026-03-28 (the
 * spring DST night, 7 real hours), the night before it and the same night a week earlier, with everything the
 * shift summary counts: events at the bounds' minute edges, a camera silent for part of the shift, heartbeats,
 * repair ranges, dead letters and alert notifications. What the summary must say is computed here from the
 * same inputs. Shared by the summary tests (DuckDB, PostgreSQL) and the `report shift` CLI test.
 */
import type { ShiftCalendar } from '../../src/alerting/config/shift-calendar.ts';
import { calendarOf } from '../../src/alerting/config/shift-section.ts';
import type { DetectionV1 } from '../../src/contract/index.ts';
import type { RepairCamera } from '../../src/store/repair-ledger.ts';
import { newRange } from '../../src/store/sql/repair-ledger.ts';
import type { Store } from '../../src/store/store.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';

export const MIN = 60_000;
/** night@2026-03-28: 22:00 CET to 06:00 CEST. */
export const START = Date.parse('2026-03-28T21:00:00Z');
export const END = Date.parse('2026-03-29T04:00:00Z');
/** night@2026-03-27 (8 h) and night@2026-03-21 (8 h). */
export const PREV_START = Date.parse('2026-03-27T21:00:00Z');
export const WEEK_START = Date.parse('2026-03-21T21:00:00Z');
/** The fake clock: long after the shift (alerts still firing would be cut here). */
export const NOW = Date.parse('2026-04-02T10:00:00Z');

export const SHIFTS = {
  shifts: {
    night: {
      timezone: 'Europe/Berlin',
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as never,
      start: '22:00',
      end: '06:00',
    },
  },
  daysOff: ['2026-12-25'],
};
export const calendar = (): ShiftCalendar => calendarOf(SHIFTS, 'test');

const part = { class: 'part', class_id: 0, confidence: 0.9, bbox: [1, 2, 3, 4] };
const crack = { class: 'crack', class_id: 1, confidence: 0.7, bbox: [1, 2, 3, 4] };

function events(site: string, camera: string, times: number[]): DetectionV1[] {
  return times
    .sort((a, b) => a - b)
    .map((t, i) =>
      makeEvent({ site, camera, seq: i, captured_at: new Date(t).toISOString(), detections: i % 3 === 0 ? [part, crack] : [part] }),
    );
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** cam-a: one event a minute from 10 minutes before to 10 after the shift, and one at each bound's edges (1 ms either side). */
const camA = events('line-1', 'cam-a', [
  ...range(-10, 430).map((m) => START + m * MIN + 30_000),
  START - 1,
  START,
  END - 1,
  END,
  ...range(0, 50).map((m) => WEEK_START + m * MIN + 5_000),
]);
/** cam-b: events in the first 180 minutes only (twice a minute), heartbeats in the first 240. */
const camB = events('line-1', 'cam-b', [...range(0, 180).flatMap((m) => [START + m * MIN + 10_000, START + m * MIN + 40_000])]);
/** cam-c: events in the previous night only; nothing during the shift, no heartbeat. */
const camC = events(
  'line-2',
  'cam-c',
  range(0, 100).map((m) => PREV_START + m * MIN + 1_000),
);
export const ALL_EVENTS = [...camA, ...camB, ...camC];

const LEDGER_CAM: RepairCamera = {
  region: 'eu',
  site: 'line-1',
  camera: 'cam-a',
  incarnation: 'inc-1',
  incarnationStartedMs: START - 86_400_000,
  watermark: 0,
  scannedToMs: START,
  ackedThrough: 0,
  announcedAtMs: START,
  owner: 'consumer-a',
  leaseUntilMs: NOW + 86_400_000,
};
const repairing = (from: number, to: number, detectedAtMs: number) =>
  newRange({
    ...LEDGER_CAM,
    from,
    to,
    state: 'repairing',
    reason: null,
    detectedAtMs,
    attempts: 1,
    nextAttemptMs: detectedAtMs,
    resolvedAtMs: null,
  });
/** Found during the shift: 10 seqs being chased, 5 lost; found after it: 3. */
export const LATE = repairing(1_000, 1_009, START + 100 * MIN);
const LOST = {
  ...repairing(2_000, 2_004, START + 200 * MIN),
  state: 'lost' as const,
  reason: 'evicted' as const,
  resolvedAtMs: START + 201 * MIN,
};
const AFTER = repairing(3_000, 3_002, END + MIN);

function notification(id: string, status: 'firing' | 'resolved', key: string, startsAt: number, endsAt: number | null, createdAt: number) {
  const [rule, cam] = key.split('|');
  const [region, site, camera] = cam ? cam.split('/') : [];
  const labels = { alertname: rule, severity: 'warning', ...(cam ? { region, site, camera } : {}) };
  const alert = {
    transition_id: `${key}#${status === 'firing' ? 1 : 2}`,
    status,
    repeat: false,
    rule,
    severity: 'warning',
    labels,
    summary: 's',
    value: 1,
    starts_at: new Date(startsAt).toISOString(),
    ends_at: endsAt === null ? null : new Date(endsAt).toISOString(),
  };
  // Two receivers: the same transition twice in the outbox, one episode.
  return ['log', 'hook'].map((receiver) => ({
    id,
    receiver,
    createdAt,
    body: {
      version: 'seamline.alerts.v1',
      id,
      receiver,
      status,
      group_key: '{}',
      group_labels: {},
      created_at: new Date(createdAt).toISOString(),
      alerts: [alert],
    },
  }));
}

/** crack-rate on cam-a fires 60 minutes in and resolves at 90; dead-letters fires 30 minutes before the shift and resolves 15 in. */
const NOTIFICATIONS = [
  ...notification('n1', 'firing', 'crack-rate|eu/line-1/cam-a', START + 60 * MIN, null, START + 60 * MIN),
  ...notification('n2', 'resolved', 'crack-rate|eu/line-1/cam-a', START + 60 * MIN, START + 90 * MIN, START + 90 * MIN),
  ...notification('n3', 'firing', 'dead-letters', START - 30 * MIN, null, START - 30 * MIN),
  ...notification('n4', 'resolved', 'dead-letters', START - 30 * MIN, START + 15 * MIN, START + 15 * MIN),
];

export async function seedPlant(store: Store): Promise<void> {
  for (let i = 0; i < ALL_EVENTS.length; i += 500) await store.write(ALL_EVENTS.slice(i, i + 500), new Date(END + 2 * MIN));
  for (const m of range(0, 240)) {
    await store.writeStatus(
      makeStatus({ site: 'line-1', camera: 'cam-b', outbox_depth: 0, at: new Date(START + m * MIN).toISOString() }),
      new Date(START + m * MIN + 5_000),
    );
  }
  await store.writeStatus(
    makeStatus({ site: 'line-2', camera: 'cam-c', state: 'offline', at: new Date(START - MIN).toISOString() }),
    new Date(START - MIN),
  );
  const payload = Buffer.from('{');
  const letter = (topic: string, atMs: number) => ({
    id: `${topic}@${atMs}`,
    topic,
    payload,
    code: 'SEAM_ERR_MALFORMED_JSON' as const,
    reason: 'r',
    receivedAt: new Date(atMs),
  });
  await store.writeDeadLetters([
    letter('vision/eu/line-1/cam-a/detection', START + 5 * MIN),
    letter('not/a/camera', START + 6 * MIN),
    letter('vision/eu/line-1/cam-a/detection', END),
  ]);
  const ledger = await store.capabilities.repairLedger!.open();
  await ledger.insertCamera(LEDGER_CAM);
  if (!(await ledger.update('consumer-a', END + 2 * MIN, LEDGER_CAM, [LATE, LOST, AFTER]))) throw new Error('ledger refused the ranges');
  const home = store.capabilities.alertState!();
  await home.state.open();
  await home.state.commit([], NOTIFICATIONS);
  await home.state.close();
}

/** The repair that arrives days after the shift ended: LATE, every seq found. */
export async function repairLate(store: Store): Promise<void> {
  const ledger = await store.capabilities.repairLedger!.open();
  const done = { ...LATE, id: `${LATE.id}-r`, state: 'repaired' as const, resolvedAtMs: NOW - MIN };
  if (!(await ledger.replace('consumer-a', NOW - MIN, LATE, [done]))) throw new Error('ledger refused the repair');
}

/** Events of a camera the summary must count for [from, to), from the inputs. */
export const inputEvents = (camera: string, from: number, to: number) =>
  ALL_EVENTS.filter((e) => e.camera === camera && Date.parse(e.captured_at) >= from && Date.parse(e.captured_at) < to);

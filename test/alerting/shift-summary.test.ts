import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveShift } from '../../src/alerting/shifts/ranges.ts';
import { summarizeShift, type ShiftRow, type ShiftSummary } from '../../src/alerting/shifts/summary.ts';
import { isSeamError } from '../../src/contract/index.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import type { Store } from '../../src/store/store.ts';
import { makeEvent } from '../helpers/events.ts';
import { calendar, END, inputEvents, MIN, NOW, PREV_START, repairLate, seedPlant, START, WEEK_START } from './shift-plant.ts';

let server: RunningPostgres;
let dir: string;
before(async () => {
  server = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'seamline-shift-'));
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const STORES: [string, () => Promise<Store>][] = [
  ['duckdb', async () => new DuckDbStore({ path: join(dir, `s${Date.now()}.duckdb`) })],
  ['postgres', async () => new PostgresStore({ url: server.url, schema: `shift${Date.now() % 1_000_000}` })],
];

const value = (
  r: ShiftRow | undefined,
  k:
    | 'events'
    | 'minutesSilent'
    | 'minutesOffline'
    | 'eventsLost'
    | 'eventsRepaired'
    | 'eventsRepairing'
    | 'deadLetters'
    | 'alertsFired'
    | 'alertMinutes',
) => {
  assert.ok(r, 'row present');
  return [r[k].value, r[k].previous, r[k].weekAgo];
};
const cam = (s: ShiftSummary, camera: string) => s.cameras.find((c) => c.camera === camera);
const site = (s: ShiftSummary, name: string) => s.sites.find((c) => c.site === name);

for (const [name, make] of STORES) {
  test(`${name}: the spring night's summary counts exactly the events inside its 7 hours, beside the previous night and a week before`, {
    timeout: 120_000,
  }, async () => {
    const store = await make();
    await store.open();
    try {
      await seedPlant(store);
      const cal = calendar();
      const run = resolveShift(cal, { shift: 'night', date: '2026-03-28' }, NOW);
      assert.deepEqual([run.startMs, run.endMs, (run.endMs - run.startMs) / MIN], [START, END, 420]);
      const source = store.capabilities.shiftCounts!;
      const s = await summarizeShift(source, cal, run, { nowMs: NOW, partClass: 'part' });
      assert.deepEqual(
        [s.previous?.startMs, s.previous?.minutes, s.weekAgo?.startMs, s.weekAgo?.minutes],
        [PREV_START, 480, WEEK_START, 480],
      );
      assert.deepEqual(
        s.cameras.map((c) => `${c.site}/${c.camera}`),
        ['line-1/cam-a', 'line-1/cam-b', 'line-2/cam-c'],
      );

      // 420 minute events and the two inside the bounds (at the start, 1 ms before the end); not 1 ms before nor at the end.
      assert.deepEqual(value(cam(s, 'cam-a'), 'events'), [422, 0, 50]);
      assert.deepEqual(value(cam(s, 'cam-b'), 'events'), [360, 0, 0]);
      assert.deepEqual(value(cam(s, 'cam-c'), 'events'), [0, 100, 0]);
      assert.deepEqual(value(site(s, 'line-1'), 'events'), [782, 0, 50]);
      assert.deepEqual(value(s.plant, 'events'), [782, 100, 50]);

      // Against the raw rows of the exact bounds (the events table, not the rollups), camera by camera and class by class.
      const raw = await store.perMinute(START, END);
      const rawClasses = await store.capabilities.alertCounts!.classesPerCamera(START, END);
      for (const c of s.cameras) {
        const mine = raw.filter((r) => r.camera === c.camera);
        assert.equal(
          c.events.value,
          mine.reduce((a, r) => a + r.events, 0),
          `${c.camera} events`,
        );
        assert.equal(c.events.value, inputEvents(c.camera, START, END).length, `${c.camera} events written`);
        assert.equal(
          c.detections.value,
          mine.reduce((a, r) => a + r.detections, 0),
          `${c.camera} detections`,
        );
        for (const [cls, f] of Object.entries(c.classes)) {
          assert.equal(
            f.detections.value,
            rawClasses.find((r) => r.camera === c.camera && r.class === cls)?.detections ?? 0,
            `${c.camera} ${cls}`,
          );
        }
      }
      const a = cam(s, 'cam-a')!;
      const cracks = inputEvents('cam-a', START, END).filter((e) => e.detections.some((d) => d.class === 'crack')).length;
      assert.deepEqual(a.classes.crack, {
        detections: { value: cracks, previous: 0, weekAgo: 17 },
        perEvent: { value: cracks / 422, previous: null, weekAgo: 17 / 50 },
        perPart: { value: cracks / 422, previous: null, weekAgo: 17 / 50 },
      });
      assert.equal(a.classes.part.perPart, undefined, 'the part class has no defects per part');

      // cam-b: events in the first 180 minutes, heartbeats in the first 240; cam-c: nothing.
      assert.deepEqual(value(cam(s, 'cam-a'), 'minutesSilent'), [0, 480, 430]);
      assert.deepEqual(value(cam(s, 'cam-b'), 'minutesSilent'), [240, 480, 480]);
      assert.deepEqual(value(cam(s, 'cam-b'), 'minutesOffline'), [180, 480, 480]);
      assert.deepEqual(value(cam(s, 'cam-c'), 'minutesOffline'), [420, 380, 480]);
      assert.deepEqual(value(s.plant, 'minutesSilent'), [660, 1340, 1390]);

      assert.deepEqual(value(cam(s, 'cam-a'), 'eventsLost'), [5, 0, 0]);
      assert.deepEqual(value(cam(s, 'cam-a'), 'eventsRepairing'), [10, 0, 0]);
      assert.deepEqual(value(cam(s, 'cam-a'), 'eventsRepaired'), [0, 0, 0]);
      assert.deepEqual(value(cam(s, 'cam-a'), 'deadLetters'), [1, 0, 0]);
      assert.deepEqual(value(s.plant, 'deadLetters'), [2, 0, 0]);
      assert.deepEqual(value(cam(s, 'cam-a'), 'alertsFired'), [1, 0, 0]);
      assert.deepEqual(value(cam(s, 'cam-a'), 'alertMinutes'), [30, 0, 0]);
      assert.deepEqual(value(s.plant, 'alertsFired'), [2, 0, 0]);
      assert.deepEqual(value(s.plant, 'alertMinutes'), [45, 0, 0]);
      assert.deepEqual(
        s.alerts.map((e) => [e.key, e.minutesInShift, e.resolvedAtMs! - e.firedAtMs]),
        [
          ['dead-letters', 15, 45 * MIN],
          ['crack-rate|eu/line-1/cam-a', 30, 30 * MIN],
        ],
      );
      assert.deepEqual(s.images, []);

      // The repair that arrives days later: the same past shift, asked again, counts it.
      await repairLate(store);
      const again = await summarizeShift(source, cal, run, { nowMs: NOW, partClass: 'part' });
      assert.deepEqual(value(cam(again, 'cam-a'), 'eventsRepaired'), [10, 0, 0]);
      assert.deepEqual(value(cam(again, 'cam-a'), 'eventsRepairing'), [0, 0, 0]);
      assert.deepEqual(value(cam(again, 'cam-a'), 'eventsLost'), [5, 0, 0]);
      assert.deepEqual(JSON.parse(JSON.stringify(again)), again, 'plain JSON, as the page and report shift send it');

      // The same window twice is read once; overlapping windows are read one at a time, each exact.
      const [x, y] = await source.counts([
        { fromMs: START, toMs: END },
        { fromMs: START, toMs: END },
      ]);
      assert.deepEqual(x, y);
      const [whole, first3h] = await source.counts([
        { fromMs: START, toMs: END },
        { fromMs: START, toMs: START + 180 * MIN },
      ]);
      const figures = (r: typeof whole, camera: string) => {
        const c = r!.cameras.find((k) => k.camera === camera)!;
        return [c.events, c.minutesWithEvents, c.minutesHeard];
      };
      assert.deepEqual(figures(whole, 'cam-b'), [360, 180, 240]);
      assert.deepEqual(figures(first3h, 'cam-b'), [360, 180, 180]);
      assert.deepEqual(figures(first3h, 'cam-a'), [181, 180, 180]);
      // Bounds off the hour: the whole hours from the hourly rollup, the edges from the per-minute one, exactly.
      const [half] = await source.counts([{ fromMs: START + 30 * MIN, toMs: END - 30 * MIN }]);
      assert.deepEqual(figures(half, 'cam-a'), [360, 360, 360]);
      assert.deepEqual(figures(half, 'cam-b'), [300, 150, 210]);
      const rawHalf = await store.capabilities.alertCounts!.classesPerCamera(START + 30 * MIN, END - 30 * MIN);
      assert.deepEqual(
        half!.classes.map((c) => [c.camera, c.class, c.detections]).sort(),
        rawHalf.map((c) => [c.camera, c.class, c.detections]).sort(),
      );
      await assert.rejects(
        source.counts([{ fromMs: START + 1, toMs: END }]),
        (err: unknown) => isSeamError(err, 'SEAM_ERR_BAD_QUERY') && err.field === 'fromMs',
      );
    } finally {
      await store.close();
    }
  });
}

/** night@2026-10-24: 22:00 CEST to 06:00 CET, 9 real hours (02:00-03:00 local happens twice). */
const AUTUMN_START = Date.parse('2026-10-24T20:00:00Z');
const AUTUMN_END = Date.parse('2026-10-25T05:00:00Z');

for (const [name, make] of STORES) {
  test(`${name}: the autumn night's summary counts every one of its 540 minutes, its edges exact`, { timeout: 120_000 }, async () => {
    const store = await make();
    await store.open();
    try {
      const times = [
        ...Array.from({ length: 580 }, (_, m) => AUTUMN_START + (m - 20) * MIN + 20_000),
        AUTUMN_START - 1,
        AUTUMN_START,
        AUTUMN_END - 1,
        AUTUMN_END,
      ];
      const events = times
        .sort((a, b) => a - b)
        .map((t, seq) => makeEvent({ site: 'line-1', camera: 'cam-a', seq, captured_at: new Date(t).toISOString() }));
      await store.write(events, new Date(AUTUMN_END + MIN));
      const cal = calendar();
      const run = resolveShift(cal, { shift: 'night', date: '2026-10-24' }, Date.parse('2026-11-01T00:00:00Z'));
      assert.deepEqual([run.startMs, run.endMs], [AUTUMN_START, AUTUMN_END]);
      const s = await summarizeShift(store.capabilities.shiftCounts!, cal, run, { nowMs: Date.parse('2026-11-01T00:00:00Z') });
      const a = s.cameras[0]!;
      assert.deepEqual([s.run.minutes, a.events.value, a.minutesSilent.value, a.minutesOffline.value], [540, 542, 0, 0]);
      const raw = await store.perMinute(AUTUMN_START, AUTUMN_END);
      assert.equal(
        a.events.value,
        raw.reduce((n, r) => n + r.events, 0),
      );
      assert.equal(
        a.detections.value,
        raw.reduce((n, r) => n + r.detections, 0),
      );
      // The night before (2026-10-23, 8 h of CEST) ended 16 hours before: none of these events are its.
      assert.deepEqual([s.previous?.date, s.previous?.minutes, a.events.previous, a.minutesSilent.previous], ['2026-10-23', 480, 0, 480]);
    } finally {
      await store.close();
    }
  });
}

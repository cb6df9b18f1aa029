/**
 * Shifts as the dashboard's time ranges, on a fake clock: `shift=` of /api/panels and /api/live resolves to the run's
 * exact bounds (a night across the spring DST change is its real 7 hours), with a step that divides them; every
 * refusal names the field; /api/shifts lists the calendar's recent runs, or says there is no calendar.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ShiftCalendar, toShift } from '../../src/alerting/config/shift-calendar.ts';
import { isSeamError } from '../../src/contract/index.ts';
import { parsePanelWindow } from '../../src/dashboard/panels/window.ts';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { shiftResolver } from '../../src/dashboard/shift-routes.ts';
import { dashboardShifts } from '../../src/cli/services/dashboard-shifts.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { resolveShift } from '../../src/alerting/shifts/ranges.ts';
import { summarizeShift } from '../../src/alerting/shifts/summary.ts';
import { detection } from './events.ts';

const ZONE = 'Europe/Berlin';
const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const calendar = new ShiftCalendar(
  [
    toShift('night', { timezone: ZONE, weekdays: [...ALL], start: '22:00', end: '06:00' }),
    toShift('early', { timezone: ZONE, weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '06:07', end: '14:00' }),
  ],
  ['2026-03-25'],
);
const resolve = shiftResolver(dashboardShifts(calendar, { capabilities: { shiftCounts: null } })!);
/** Sunday 2026-03-29, 07:30 in Berlin (CEST): clocks went forward at 02:00 that night. */
const NOW = Date.parse('2026-03-29T05:30:00Z');
/** The night of Saturday 28 March: 22:00 CET (21:00Z) to 06:00 CEST (04:00Z), 7 real hours. */
const NIGHT = { startMs: Date.parse('2026-03-28T21:00:00Z'), endMs: Date.parse('2026-03-29T04:00:00Z') };

function refusal(fn: () => unknown, field: string, message: RegExp) {
  assert.throws(fn, (err) => isSeamError(err, 'SEAM_ERR_BAD_QUERY') && err.field === field && message.test(err.message));
}

describe('a shift as the window of the panels', () => {
  test('last shift across the spring DST change is its exact 7 hours, in five-minute periods', () => {
    const w = parsePanelWindow({ shift: 'last', site: 'plant-1' }, NOW, resolve);
    assert.equal(w.range, 'shift');
    assert.deepEqual(w.shift, { spec: 'last', name: 'night', date: '2026-03-28', ...NIGHT, running: false });
    assert.equal(w.fromMs, NIGHT.startMs);
    assert.equal(w.toMs, NIGHT.endMs);
    assert.equal(w.toMs - w.fromMs, 7 * 3_600_000);
    assert.equal(w.stepMs, 300_000);
    assert.equal(w.live, false);
    assert.equal(w.currentPeriod, null);
    assert.deepEqual(w.sites, ['plant-1']);
    assert.deepEqual(parsePanelWindow({ shift: 'night@2026-03-28' }, NOW, resolve).shift, {
      spec: 'night@2026-03-28',
      name: 'night',
      date: '2026-03-28',
      ...NIGHT,
      running: false,
    });
  });

  test('the autumn night is 9 hours', () => {
    const w = parsePanelWindow({ shift: 'night@2026-10-24' }, Date.parse('2026-10-26T00:00:00Z'), resolve);
    assert.equal(w.toMs - w.fromMs, 9 * 3_600_000);
    assert.equal(w.fromMs, Date.parse('2026-10-24T20:00:00Z'));
  });

  test('a running shift ends now and moves with the clock; its step divides its bounds', () => {
    // Monday 30 March, 09:02:30 CEST: the early shift began at 06:07, which five minutes do not divide.
    const at = Date.parse('2026-03-30T07:02:30Z');
    const w = parsePanelWindow({ shift: 'this' }, at, resolve);
    assert.equal(w.shift?.name, 'early');
    assert.equal(w.shift?.running, true);
    assert.equal(w.live, true);
    assert.equal(w.stepMs, 60_000);
    assert.equal(w.fromMs, Date.parse('2026-03-30T04:07:00Z'));
    assert.equal(w.toMs, Date.parse('2026-03-30T07:03:00Z'));
    assert.equal(w.currentPeriod, Date.parse('2026-03-30T07:02:00Z'));
  });

  test('every refusal names the field shift, and says why', () => {
    refusal(() => parsePanelWindow({ shift: 'last', range: '1h' }, NOW, resolve), 'shift', /either shift or range/);
    refusal(() => parsePanelWindow({ shift: 'last', from: '1', to: '2' }, NOW, resolve), 'shift', /either shift or range/);
    refusal(() => parsePanelWindow({ shift: 'last' }, NOW), 'shift', /no shift calendar/);
    refusal(
      () => parsePanelWindow({ shift: 'yesterday' }, NOW, resolve),
      'shift',
      /this, last, same-yesterday, same-last-week or NAME@YYYY-MM-DD/,
    );
    refusal(() => parsePanelWindow({ shift: 'late@2026-03-28' }, NOW, resolve), 'shift', /names no shift: "late" \(known: night, early\)/);
    refusal(() => parsePanelWindow({ shift: 'night@2026-02-30' }, NOW, resolve), 'shift', /YYYY-MM-DD/);
    refusal(() => parsePanelWindow({ shift: 'night@2026-03-25' }, NOW, resolve), 'shift', /no shift night on 2026-03-25 \(a day off/);
    refusal(() => parsePanelWindow({ shift: 'this' }, NOW, resolve), 'shift', /no shift is running/);
    refusal(() => parsePanelWindow({ shift: 'night@2026-03-29' }, NOW, resolve), 'shift', /night@2026-03-29 has not started yet/);
    refusal(() => parsePanelWindow({ shift: ['last', 'this'] }, NOW, resolve), 'shift', /given once/);
  });
});

describe('shifts over HTTP', () => {
  let store: DuckDbStore;
  let dash: Dashboard;
  let bare: Dashboard;
  const get = (base: Dashboard, path: string) =>
    fetch(`${base.url}${path}`).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  before(async () => {
    store = new DuckDbStore({ path: ':memory:' });
    await store.open();
    // Just before, at the first and in the last minute of the night, and just after it: 2 + 3 inside.
    const at = [NIGHT.startMs - 30_000, NIGHT.startMs, NIGHT.startMs + 59_000, NIGHT.endMs - 1_000, NIGHT.endMs - 30_000, NIGHT.endMs];
    await store.write(
      at.map((t) => detection({ camera: 'cam-a', at: t, classes: ['crack'] })),
      new Date(NOW),
    );
    dash = await startDashboard({ reader: store, port: 0, now: () => NOW, shifts: dashboardShifts(calendar, store) });
    bare = await startDashboard({ reader: store, port: 0, now: () => NOW });
  });

  after(async () => {
    await dash?.close();
    await bare?.close();
    await store?.close();
  });

  test('the panels of the last shift count exactly the events inside its bounds', { timeout: 20_000 }, async () => {
    const { status, body } = await get(dash, '/api/panels?shift=last');
    assert.equal(status, 200);
    // Detections in the window (one crack per event): the cameras table, the per-camera series and the classes agree.
    assert.deepEqual(
      (body.cameras as { key: string; windowDetections: number }[]).map((c) => [c.key, c.windowDetections]),
      [['eu/plant-1/cam-a', 4]],
    );
    const series = (body.detections as { cameras: { values: number[] }[] }).cameras;
    assert.equal(
      series.flatMap((c) => c.values).reduce((a, b) => a + b, 0),
      4,
    );
    assert.deepEqual(
      (body.classes as { classes: { name: string; total: number }[] }).classes.map((c) => [c.name, c.total]),
      [['crack', 4]],
    );
    const w = body.window as Record<string, unknown>;
    assert.deepEqual(w.shift, { spec: 'last', name: 'night', date: '2026-03-28', ...NIGHT, running: false });
    assert.equal((body.periods as number[]).length, 7 * 12);
    assert.equal((body.periods as number[])[0], NIGHT.startMs);
  });

  test('/api/shifts lists the recent runs, newest first, with their exact bounds', { timeout: 20_000 }, async () => {
    const { body } = await get(dash, '/api/shifts');
    assert.equal(body.calendar, true);
    assert.deepEqual(body.names, ['night', 'early']);
    const runs = body.runs as { spec: string; startMs: number; endMs: number; running: boolean }[];
    assert.deepEqual(
      runs.slice(0, 3).map((r) => r.spec),
      ['night@2026-03-28', 'night@2026-03-27', 'early@2026-03-27'],
    );
    assert.deepEqual(runs[0], { spec: 'night@2026-03-28', name: 'night', date: '2026-03-28', timezone: ZONE, ...NIGHT, running: false });
    // 14 nights and the early shifts that started in the same 14 days (weekdays, less the day off).
    assert.equal(runs.filter((r) => r.spec.startsWith('night@')).length, 14);
    assert.ok(!runs.some((r) => r.spec === 'early@2026-03-25'), 'the day off has no shift');
  });

  test('/api/shift-summary is exactly the summary of the run shift= names', { timeout: 20_000 }, async () => {
    const { status, body } = await get(dash, '/api/shift-summary?shift=last');
    assert.equal(status, 200);
    const direct = await summarizeShift(store.capabilities.shiftCounts!, calendar, resolveShift(calendar, 'last', NOW), { nowMs: NOW });
    assert.deepEqual(body, JSON.parse(JSON.stringify(direct)));
    const plant = body.plant as { events: { value: number }; classes: Record<string, { detections: { value: number } }> };
    assert.equal(plant.events.value, 4);
    assert.equal(plant.classes.crack.detections.value, 4);
    assert.deepEqual((await get(dash, '/api/shift-summary?shift=night@2026-03-28')).body, body);
  });

  test('/api/shift-summary refuses by field: no shift, another field, a day off, no calendar', { timeout: 20_000 }, async () => {
    for (const [base, query, field, message] of [
      [dash, '', 'shift', /shift is required/],
      [dash, '?shift=last&range=1h', 'range', /unknown query field "range"/],
      [dash, '?shift=night@2026-03-25', 'shift', /a day off/],
      [bare, '?shift=last', 'shift', /no shift calendar/],
    ] as const) {
      const { status, body } = await get(base, `/api/shift-summary${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.field, field, query);
      assert.match(String(body.message), message);
    }
  });

  test('without a calendar: /api/shifts says why, and shift= is a 400 naming the field', { timeout: 20_000 }, async () => {
    const shifts = await get(bare, '/api/shifts');
    assert.deepEqual(shifts.body, { calendar: false, reason: shifts.body.reason, names: [], runs: [] });
    assert.match(String(shifts.body.reason), /no shift calendar/);
    const panels = await get(bare, '/api/panels?shift=last');
    assert.equal(panels.status, 400);
    assert.equal(panels.body.field, 'shift');
    const live = await fetch(`${bare.url}/api/live?shift=last`);
    assert.equal(live.status, 400);
    assert.equal(((await live.json()) as { field: string }).field, 'shift');
  });
});

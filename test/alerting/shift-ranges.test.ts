import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeamError } from '../../src/contract/index.ts';
import { calendarOf } from '../../src/alerting/config/shift-section.ts';
import { parseShiftPick, previousRun, recentRuns, resolveShift, runName, weekEarlier } from '../../src/alerting/shifts/ranges.ts';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Berlin: a night shift every day, an early shift Monday to Friday; Christmas Day off. */
const calendar = calendarOf(
  {
    shifts: {
      night: { timezone: 'Europe/Berlin', weekdays: [...EVERY_DAY], start: '22:00', end: '06:00' },
      early: { timezone: 'Europe/Berlin', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '06:00', end: '14:00' },
    },
    daysOff: ['2026-12-25'],
  },
  'test',
);

const refused = (fn: () => unknown, field: string, message: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSeamError(err, 'SEAM_ERR_BAD_QUERY'), String(err));
    assert.equal(err.field, field);
    assert.match(err.message, message);
    return true;
  });

test('the night shift across the spring change is 7 real hours, across the autumn change 9, named by its start date', {
  timeout: 10_000,
}, () => {
  const spring = resolveShift(calendar, { shift: 'night', date: '2026-03-28' }, at('2026-04-01T00:00:00Z'));
  assert.deepEqual(
    [iso(spring.startMs), iso(spring.endMs), (spring.endMs - spring.startMs) / H],
    ['2026-03-28T21:00:00.000Z', '2026-03-29T04:00:00.000Z', 7],
  );
  const autumn = resolveShift(calendar, { shift: 'night', date: '2026-10-24' }, at('2026-11-01T00:00:00Z'));
  assert.deepEqual(
    [iso(autumn.startMs), iso(autumn.endMs), (autumn.endMs - autumn.startMs) / H],
    ['2026-10-24T20:00:00.000Z', '2026-10-25T05:00:00.000Z', 9],
  );
  assert.equal(runName(autumn), 'night@2026-10-24');
  assert.deepEqual(parseShiftPick('night@2026-10-24'), { shift: 'night', date: '2026-10-24' });
});

test('this, last, same-yesterday and same-last-week at 03:00 local of the spring night', { timeout: 10_000 }, () => {
  const now = at('2026-03-29T01:00:00Z'); // 03:00 CEST, Sunday; the night began Saturday 22:00 CET
  assert.equal(runName(resolveShift(calendar, 'this', now)), 'night@2026-03-28');
  // The last run that ended: Friday's early shift ended 14:00 Friday; Friday's night ended 06:00 Saturday. No early on Saturday.
  assert.equal(runName(resolveShift(calendar, 'last', now)), 'night@2026-03-27');
  assert.equal(runName(resolveShift(calendar, 'same-yesterday', now)), 'night@2026-03-27');
  const week = resolveShift(calendar, 'same-last-week', now);
  assert.deepEqual([runName(week), (week.endMs - week.startMs) / H], ['night@2026-03-21', 8]);
});

test('with no shift running, this is refused and same-yesterday follows the last shift', { timeout: 10_000 }, () => {
  const now = at('2026-03-28T12:00:00Z'); // Saturday 13:00 CET: no early shift on Saturdays
  refused(() => resolveShift(calendar, 'this', now), 'shift', /no shift is running at 2026-03-28T12:00:00.000Z/);
  assert.equal(runName(resolveShift(calendar, 'last', now)), 'night@2026-03-27');
  assert.equal(runName(resolveShift(calendar, 'same-yesterday', now)), 'night@2026-03-26');
});

test('a day off has no shift: by date, and as the same shift of a day before', { timeout: 10_000 }, () => {
  refused(
    () => resolveShift(calendar, { shift: 'night', date: '2026-12-25' }, at('2027-01-10T00:00:00Z')),
    'date',
    /no shift night on 2026-12-25/,
  );
  refused(
    () => resolveShift(calendar, { shift: 'early', date: '2026-03-28' }, at('2027-01-10T00:00:00Z')),
    'date',
    /no shift early on 2026-03-28/,
  );
  // Boxing Day night (the 26th, 22:00 CET); its same-yesterday is Christmas Day night: off.
  refused(() => resolveShift(calendar, 'same-yesterday', at('2026-12-26T22:00:00Z')), 'date', /no shift night on 2026-12-25/);
  assert.equal(
    weekEarlier(calendar, resolveShift(calendar, { shift: 'night', date: '2027-01-01' }, at('2027-01-10T00:00:00Z'))),
    undefined,
  );
});

test('unknown shift names and bad dates are refused naming the field', { timeout: 10_000 }, () => {
  const now = at('2026-03-29T01:00:00Z');
  refused(
    () => resolveShift(calendar, { shift: 'late', date: '2026-03-28' }, now),
    'shift',
    /names no shift: "late" \(known: night, early\)/,
  );
  refused(
    () => resolveShift(calendar, { shift: 'night', date: '2026-02-30' }, now),
    'date',
    /must be a local date YYYY-MM-DD, got "2026-02-30"/,
  );
  refused(() => resolveShift(calendar, { shift: 'night', date: '28.03.2026' }, now), 'date', /YYYY-MM-DD/);
  refused(() => parseShiftPick('yesterday'), 'shift', /must be this, last, same-yesterday, same-last-week or NAME@YYYY-MM-DD/);
  refused(() => resolveShift(calendarOf({}, 'test'), 'last', now), 'shift', /no shifts are configured/);
});

test('previous shift and the recent runs list, newest first', { timeout: 10_000 }, () => {
  const monday = resolveShift(calendar, { shift: 'early', date: '2026-03-30' }, at('2026-04-01T00:00:00Z'));
  assert.equal(runName(previousRun(calendar, monday)!), 'night@2026-03-29', 'the night ending 06:00 as the early shift starts');
  const night = resolveShift(calendar, { shift: 'night', date: '2026-03-30' }, at('2026-04-01T00:00:00Z'));
  assert.equal(runName(previousRun(calendar, night)!), 'early@2026-03-30');
  assert.equal(runName(weekEarlier(calendar, night)!), 'night@2026-03-23');
  const now = at('2026-03-30T07:00:00Z'); // Monday 09:00 CEST, early running
  assert.deepEqual(recentRuns(calendar, now, 3).map(runName), [
    'early@2026-03-30',
    'night@2026-03-29',
    'night@2026-03-28',
    'night@2026-03-27',
    'early@2026-03-27',
    'early@2026-03-26',
  ]);
});

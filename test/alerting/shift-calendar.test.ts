import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShiftCalendar, toShift } from '../../src/alerting/config/shift-calendar.ts';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const berlin = (start: string, end: string, weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) =>
  toShift('s', { timezone: 'Europe/Berlin', weekdays: weekdays as never, start, end });

test('a day shift keeps its wall-clock times across the spring DST change (8 h, 06:00 local is 04:00Z after)', { timeout: 10_000 }, () => {
  const cal = new ShiftCalendar([berlin('06:00', '14:00')]);
  // 2026-03-29: Berlin goes from UTC+1 to UTC+2 at 02:00 local.
  const before = cal.activeRun(at('2026-03-28T05:30:00Z'));
  assert.deepEqual(before && [new Date(before.startMs).toISOString(), new Date(before.endMs).toISOString()], [
    '2026-03-28T05:00:00.000Z',
    '2026-03-28T13:00:00.000Z',
  ]);
  const after = cal.activeRun(at('2026-03-29T04:30:00Z'));
  assert.deepEqual(after && [new Date(after.startMs).toISOString(), new Date(after.endMs).toISOString()], [
    '2026-03-29T04:00:00.000Z',
    '2026-03-29T12:00:00.000Z',
  ]);
  assert.equal(cal.isActive(at('2026-03-29T03:59:59Z')), false, '05:59:59 local is before the shift');
  assert.equal(cal.isActive(at('2026-03-29T11:59:59Z')), true);
  assert.equal(cal.isActive(at('2026-03-29T12:00:00Z')), false, '14:00 local ends it');
});

test('an overnight shift across the spring change lasts 7 real hours, across the autumn change 9', { timeout: 10_000 }, () => {
  const cal = new ShiftCalendar([berlin('22:00', '06:00')]);
  const spring = cal.activeRun(at('2026-03-29T01:30:00Z'))!;
  assert.equal(new Date(spring.startMs).toISOString(), '2026-03-28T21:00:00.000Z');
  assert.equal((spring.endMs - spring.startMs) / H, 7);
  // 2026-10-25: back from UTC+2 to UTC+1 at 03:00 local.
  const autumn = cal.activeRun(at('2026-10-25T02:30:00Z'))!;
  assert.equal(new Date(autumn.startMs).toISOString(), '2026-10-24T20:00:00.000Z');
  assert.equal((autumn.endMs - autumn.startMs) / H, 9);
  assert.equal(cal.isActive(at('2026-10-25T04:59:59Z')), true, '05:59:59 local (UTC+1) still in');
  assert.equal(cal.isActive(at('2026-10-25T05:00:00Z')), false);
});

test('weekdays are the days a shift starts on: the Friday night shift runs into Saturday, none starts Saturday', {
  timeout: 10_000,
}, () => {
  const cal = new ShiftCalendar([berlin('22:00', '06:00', ['mon', 'tue', 'wed', 'thu', 'fri'])]);
  // 2026-12-04 is a Friday; Berlin is UTC+1 in December.
  assert.equal(cal.isActive(at('2026-12-05T03:00:00Z')), true, 'Sat 04:00 local, in the Friday night shift');
  assert.equal(cal.isActive(at('2026-12-05T22:00:00Z')), false, 'Sat 23:00 local: no Saturday shift');
  assert.equal(cal.isActive(at('2026-12-06T23:30:00Z')), false, 'Mon 00:30 local: the Sunday night shift does not exist');
  assert.equal(cal.isActive(at('2026-12-07T21:30:00Z')), true, 'Mon 22:30 local');
});

test('a day off cancels the runs that start on it, not the one running into it', { timeout: 10_000 }, () => {
  const cal = new ShiftCalendar([berlin('06:00', '14:00'), { ...berlin('22:00', '06:00'), name: 'night' }], ['2026-12-25']);
  assert.equal(cal.isActive(at('2026-12-25T09:00:00Z')), false, 'Christmas day shift cancelled');
  assert.equal(cal.isActive(at('2026-12-25T03:00:00Z')), true, 'the night shift of the 24th runs until 06:00 on the 25th');
  assert.equal(cal.isActive(at('2026-12-25T22:00:00Z')), false, 'the night shift of the 25th is cancelled');
  assert.equal(cal.isActive(at('2026-12-26T09:00:00Z')), true, 'the 26th is a working day');
  assert.equal(cal.activeRun(at('2026-12-25T03:00:00Z'))?.shift, 'night');
});

test('a rule limited to some shifts is active only in those', { timeout: 10_000 }, () => {
  const cal = new ShiftCalendar([
    { ...berlin('06:00', '14:00'), name: 'early' },
    { ...berlin('14:00', '22:00'), name: 'late' },
  ]);
  const t = at('2026-12-02T15:00:00Z'); // 16:00 local
  assert.equal(cal.isActive(t, ['early']), false);
  assert.equal(cal.isActive(t, ['late']), true);
  assert.equal(cal.isActive(t), true);
});

test('a whole-day shift 00:00-24:00 covers the day and ends at the next local midnight', { timeout: 10_000 }, () => {
  const cal = new ShiftCalendar([berlin('00:00', '24:00', ['wed'])]);
  const run = cal.activeRun(at('2026-12-02T12:00:00Z'))!;
  assert.deepEqual(
    [new Date(run.startMs).toISOString(), new Date(run.endMs).toISOString()],
    ['2026-12-01T23:00:00.000Z', '2026-12-02T23:00:00.000Z'],
  );
});

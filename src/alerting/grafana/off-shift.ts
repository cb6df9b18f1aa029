import { SeamError } from '../../contract/index.ts';
import type { Shift, ShiftCalendar } from '../config/shift-calendar.ts';

/** A local time range inside one day, minutes after midnight, [from, to) with to <= 1440: never across midnight. */
export interface DayRange {
  from: number;
  to: number;
}

/** Muted (off-shift) ranges per ISO weekday (1 = Monday) in one zone, and the days off. */
export interface OffShift {
  timezone: string;
  /** Weekday -> off-shift ranges of that local day. A weekday absent here is on shift all day. */
  byWeekday: Map<number, DayRange[]>;
  daysOff: string[];
}

/**
 * When a set of shifts is NOT running, as ranges that never cross midnight: what Grafana 11 mute timings can
 * say (they have no "active" intervals for Grafana-managed rules before 12.1, and a range may not cross
 * midnight). An overnight shift 22:00-06:00 starting Monday is on shift Mon 22:00-24:00 and Tue 00:00-06:00
 * (the midnight split); the complement of each day is muted.
 */
export function offShift(calendar: ShiftCalendar, names: readonly string[]): OffShift {
  const shifts = names.map((n) => calendar.get(n)).filter((s): s is Shift => s !== undefined);
  const zones = new Set(shifts.map((s) => s.timezone));
  if (zones.size !== 1) {
    throw new SeamError(
      'SEAM_ERR_CONFIG',
      `shifts ${names.join(', ')} are in ${zones.size} time zones; a Grafana mute timing has one location`,
      {
        field: 'shifts',
      },
    );
  }
  const on = new Map<number, DayRange[]>();
  const add = (day: number, from: number, to: number) => {
    if (to > from) on.set(day, [...(on.get(day) ?? []), { from, to }]);
  };
  for (const s of shifts) {
    for (const day of s.weekdays) {
      if (s.endMin > s.startMin) add(day, s.startMin, s.endMin);
      else {
        add(day, s.startMin, 1440);
        add((day % 7) + 1, 0, s.endMin);
      }
    }
  }
  const byWeekday = new Map<number, DayRange[]>();
  for (let day = 1; day <= 7; day++) {
    const ranges = (on.get(day) ?? []).sort((a, b) => a.from - b.from);
    const off: DayRange[] = [];
    let cursor = 0;
    for (const r of ranges) {
      if (r.from > cursor) off.push({ from: cursor, to: r.from });
      cursor = Math.max(cursor, r.to);
    }
    if (cursor < 1440) off.push({ from: cursor, to: 1440 });
    if (off.length > 0) byWeekday.set(day, off);
  }
  return { timezone: [...zones][0], byWeekday, daysOff: calendar.holidays };
}

export const clock = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

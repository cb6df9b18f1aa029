import { DateTime, IANAZone } from 'luxon';
import { WEEKDAYS, type ShiftInput } from './schema.ts';

export interface Shift {
  name: string;
  timezone: string;
  /** ISO weekday numbers the shift starts on, 1 = Monday. */
  weekdays: Set<number>;
  /** Minutes after local midnight. */
  startMin: number;
  endMin: number;
}

/** One concrete run of a shift: epoch ms, [startMs, endMs). */
export interface ShiftRun {
  shift: string;
  startMs: number;
  endMs: number;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const isValidZone = (zone: string) => IANAZone.isValidZone(zone);

export function toShift(name: string, input: ShiftInput): Shift {
  return {
    name,
    timezone: input.timezone,
    weekdays: new Set(input.weekdays.map((d) => WEEKDAYS.indexOf(d) + 1)),
    startMin: minutes(input.start),
    endMin: minutes(input.end),
  };
}

/**
 * Named shifts and days off. Every run of a shift is built from its local date and wall-clock times in
 * its own IANA zone with luxon, never by adding hours to an instant, so a shift keeps its wall-clock
 * times across daylight-saving changes: the 06:00-14:00 shift on the day clocks go forward lasts 8 real
 * hours, and an overnight 22:00-06:00 shift across it lasts 7 (9 in autumn). A start or end that falls
 * into the hour skipped in spring moves forward by that hour, as luxon resolves such wall times.
 * Weekdays and days off are those of the local date a run STARTS on.
 */
export class ShiftCalendar {
  private readonly shifts: Map<string, Shift>;
  private readonly daysOff: Set<string>;

  constructor(shifts: Shift[], daysOff: string[] = []) {
    this.shifts = new Map(shifts.map((s) => [s.name, s]));
    this.daysOff = new Set(daysOff);
  }

  names(): string[] {
    return [...this.shifts.keys()];
  }

  get(name: string): Shift | undefined {
    return this.shifts.get(name);
  }

  get holidays(): string[] {
    return [...this.daysOff].sort();
  }

  /** The run of `shift` that starts on the local date `date` (yyyy-mm-dd in the shift's zone), if it runs that day. */
  runOn(shift: Shift, date: DateTime): ShiftRun | undefined {
    if (!shift.weekdays.has(date.weekday) || this.daysOff.has(date.toISODate() ?? '')) return undefined;
    const at = (day: DateTime, min: number) =>
      DateTime.fromObject(
        { year: day.year, month: day.month, day: day.day, hour: Math.floor(min / 60), minute: min % 60 },
        { zone: shift.timezone },
      );
    const start = at(date, shift.startMin);
    // end <= start: the shift ends on the next local day (24:00 is the next day's 00:00).
    const endDay = shift.endMin <= shift.startMin || shift.endMin === 1440 ? date.plus({ days: 1 }) : date;
    const end = at(endDay, shift.endMin % 1440);
    return { shift: shift.name, startMs: start.toMillis(), endMs: end.toMillis() };
  }

  /** The run of one of `names` (all shifts when undefined) that covers `atMs`, if any. */
  activeRun(atMs: number, names?: readonly string[]): ShiftRun | undefined {
    for (const shift of this.pick(names)) {
      const local = DateTime.fromMillis(atMs, { zone: shift.timezone }).startOf('day');
      // A run covering now started today or, for an overnight shift, yesterday.
      for (const date of [local, local.minus({ days: 1 })]) {
        const run = this.runOn(shift, date);
        if (run && run.startMs <= atMs && atMs < run.endMs) return run;
      }
    }
    return undefined;
  }

  isActive(atMs: number, names?: readonly string[]): boolean {
    return this.activeRun(atMs, names) !== undefined;
  }

  private pick(names?: readonly string[]): Shift[] {
    if (!names) return [...this.shifts.values()];
    return names.map((n) => this.shifts.get(n)).filter((s): s is Shift => s !== undefined);
  }
}

/**
 * A `shifts` and `daysOff` section, as the alerts config has them and as the start config may (for a plant
 * that alerts elsewhere but still wants shifts on the page and in reports), validated into a ShiftCalendar.
 * What a schema cannot say is checked here: IANA zones, a start before 24:00, a start unlike the end.
 */
import { SeamError } from '../../contract/index.ts';
import { AlertsConfigSchema, type ShiftInput } from './schema.ts';
import { isValidZone, ShiftCalendar, toShift, type Shift } from './shift-calendar.ts';

/** The alerts config's `shifts` and `daysOff`, for another config's schema to include (the start config's). */
export const ShiftsSectionProperties = {
  shifts: AlertsConfigSchema.properties.shifts,
  daysOff: AlertsConfigSchema.properties.daysOff,
};

export interface ShiftsSection {
  shifts?: Record<string, ShiftInput>;
  daysOff?: string[];
}

/** The shifts of a schema-valid section; a problem is SEAM_ERR_CONFIG naming `shifts.NAME.field`, prefixed by `what` (the config). */
export function shiftsOf(section: ShiftsSection, what: string): Shift[] {
  const bad = (field: string, reason: string) => new SeamError('SEAM_ERR_CONFIG', `${what}: ${field} ${reason}`, { field });
  return Object.entries(section.shifts ?? {}).map(([name, s]) => {
    if (!isValidZone(s.timezone)) throw bad(`shifts.${name}.timezone`, `is not an IANA time zone: ${JSON.stringify(s.timezone)}`);
    if (s.start === '24:00') throw bad(`shifts.${name}.start`, 'must be 00:00 to 23:59');
    if (s.start === s.end) throw bad(`shifts.${name}.end`, 'must differ from start (use 00:00 to 24:00 for a whole day)');
    return toShift(name, s);
  });
}

export function calendarOf(section: ShiftsSection, what: string): ShiftCalendar {
  return new ShiftCalendar(shiftsOf(section, what), section.daysOff);
}

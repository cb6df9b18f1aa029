/**
 * Where the shift calendar comes from, one rule for the dashboard, `seamline report shift` and the alert
 * engine: the alerting config's shifts when it names any, else the `shifts` section of the start config (a
 * plant that alerts elsewhere), else none. The callers read the files; this decides between what they read.
 */
import { SeamError } from '../../contract/index.ts';
import type { ShiftCalendar } from '../config/shift-calendar.ts';
import { calendarOf, type ShiftsSection } from '../config/shift-section.ts';

export interface CalendarSources {
  /** The alerting config in force (alerts-config.ts AlertsConfig, or anything with its calendar). */
  alerts?: { calendar: ShiftCalendar };
  /** The start config's `shifts` and `daysOff`, schema-valid. */
  section?: ShiftsSection;
  /** `alerts` are the built-in rules (`seamline start` without an alerts file): their shift gives way to the section's. */
  builtInAlerts?: boolean;
}

/**
 * The calendar, or undefined when neither source names a shift. The built-in rules' one shift
 * (`around-the-clock`, `builtInAlerts`) is no plant's calendar: a start config's own shifts win over it.
 */
export function shiftCalendarFrom(sources: CalendarSources): ShiftCalendar | undefined {
  const own = sources.section?.shifts !== undefined && Object.keys(sources.section.shifts).length > 0;
  const fromAlerts = sources.alerts && sources.alerts.calendar.names().length > 0 && !(sources.builtInAlerts && own);
  if (fromAlerts) return sources.alerts!.calendar;
  if (own) return calendarOf(sources.section!, 'config');
  return undefined;
}

/** As shiftCalendarFrom, but no calendar is an error naming where one is configured. */
export function requireShiftCalendar(sources: CalendarSources): ShiftCalendar {
  const calendar = shiftCalendarFrom(sources);
  if (calendar) return calendar;
  throw new SeamError(
    'SEAM_ERR_CONFIG',
    'no shifts are configured: name them in the alerts config (shifts) or in the start config (shifts, daysOff); docs/shifts.md',
    { field: 'shifts' },
  );
}

/**
 * The shifts the dashboard shows (dashboard/shift-routes.ts DashboardShifts), from the alerting box: the calendar's
 * runs (alerting/shifts/ranges.ts) and the shift summary (alerting/shifts/summary.ts) over the store's per-window
 * figures, with the images of the evidence store and the part class the handover uses, so the page's summary is the
 * one `seamline report shift` prints and the handover notice carries. The dashboard does not import alerting; this does.
 */
import { loadAlertsConfig } from '../../alerting/alerts-config.ts';
import type { ShiftCalendar } from '../../alerting/config/shift-calendar.ts';
import type { ShiftsSection } from '../../alerting/config/shift-section.ts';
import { shiftCalendarFrom } from '../../alerting/shifts/calendar-source.ts';
import { parseShiftPick, recentRuns, resolveShift, runName, type DatedRun } from '../../alerting/shifts/ranges.ts';
import { summarizeShift } from '../../alerting/shifts/summary.ts';
import type { DashboardShifts, ShiftRunView } from '../../dashboard/shift-routes.ts';
import type { StoreCapabilities } from '../../store/capabilities.ts';
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';

/** Runs of each shift the page's list offers: two weeks of a shift that runs every day. */
export const RECENT_RUNS = 14;

const view = (r: DatedRun): ShiftRunView => ({
  spec: runName(r),
  name: r.shift,
  date: r.date,
  timezone: r.timezone,
  startMs: r.startMs,
  endMs: r.endMs,
});

export interface DashboardShiftOptions {
  /** The images of the summary. */
  evidence?: EvidenceStore;
  /** The class that counts parts, for defects per part (the alerts config's handover.partClass). */
  partClass?: string;
}

/** The dashboard's shifts over `calendar`; undefined without one (the page then says there is no calendar). */
export function dashboardShifts(
  calendar: ShiftCalendar | undefined,
  store: { capabilities: Pick<StoreCapabilities, 'shiftCounts'> },
  o: DashboardShiftOptions = {},
): DashboardShifts | undefined {
  if (!calendar) return undefined;
  const counts = store.capabilities.shiftCounts;
  const resolve = (spec: string, nowMs: number) => resolveShift(calendar, parseShiftPick(spec), nowMs);
  return {
    names: calendar.names(),
    resolve: (spec, nowMs) => view(resolve(spec, nowMs)),
    recent: (nowMs) => recentRuns(calendar, nowMs, RECENT_RUNS).map(view),
    summary: counts
      ? (spec, nowMs) =>
          summarizeShift(counts, calendar, resolve(spec, nowMs), {
            nowMs,
            evidence: o.evidence,
            ...(o.partClass ? { partClass: o.partClass } : {}),
          })
      : null,
  };
}

/**
 * The calendar of `seamline dashboard` and `seamline consumer --dashboard-port`: the alerts config file `alerts`
 * names (its shifts, and its handover's part class), else the config's own `shifts` section; none: undefined.
 */
export function calendarOfConfig(c: ShiftsSection & { alerts?: string }): { calendar?: ShiftCalendar; partClass?: string } {
  const alerts = c.alerts ? loadAlertsConfig(c.alerts) : undefined;
  return { calendar: shiftCalendarFrom({ alerts, section: c }), partClass: alerts?.handover?.partClass };
}

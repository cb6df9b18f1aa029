/**
 * The shifts on the page: GET /api/shifts (the calendar's recent runs, the page's list) and GET /api/shift-summary
 * (one run's summary, exactly the object `seamline report shift --format json` prints), and the resolver that turns
 * `shift=` of /api/panels and /api/live into a run. The calendar and the summary are the alerting box's
 * (alerting/shifts/); the dashboard does not import it: whoever starts the dashboard hands them in as DashboardShifts
 * (cli/services/dashboard-shifts.ts). Without them, /api/shifts says so and a `shift=` anywhere is a 400 naming the field.
 */
import type { FastifyInstance } from 'fastify';
import { isSeamError, SeamError } from '../contract/index.ts';
import type { ShiftResolver, ShiftWindow } from './panels/window.ts';
import { parseSummaryQuery } from './panels/shift-summary.ts';

/** A run of a shift as the page lists it. */
export interface ShiftRunView extends Omit<ShiftWindow, 'running' | 'spec'> {
  /** Its name in a URL: `NAME@YYYY-MM-DD`. */
  spec: string;
  timezone: string;
}

/** What the dashboard needs of a shift calendar and the shift summary. */
export interface DashboardShifts {
  /** The calendar's shift names; none: the page offers no shifts. */
  names: readonly string[];
  /** The run `spec` (this, last, same-yesterday, same-last-week or NAME@YYYY-MM-DD) names at `nowMs`; SEAM_ERR_BAD_QUERY when none. */
  resolve(spec: string, nowMs: number): ShiftRunView;
  /** The runs that have started by `nowMs`, newest first: the page's list. */
  recent(nowMs: number): ShiftRunView[];
  /** The summary of the run `spec` names (alerting/shifts/summary.ts ShiftSummary), or null when the store has no figures for one. */
  summary: ((spec: string, nowMs: number) => Promise<unknown>) | null;
}

/** A refusal of a shift, named as the query field it came in: `shift`; anything else unchanged. */
function shiftField(err: unknown): unknown {
  if (isSeamError(err, 'SEAM_ERR_BAD_QUERY') && err.field !== 'shift')
    return new SeamError('SEAM_ERR_BAD_QUERY', err.message, { field: 'shift', cause: err });
  return err;
}

function asShiftField<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw shiftField(err);
  }
}

/** `shift=` of the panels' window, through `shifts`. */
export function shiftResolver(shifts: DashboardShifts): ShiftResolver {
  return (spec, nowMs) => {
    const { timezone: _zone, ...run } = asShiftField(() => shifts.resolve(spec, nowMs));
    return { ...run, spec };
  };
}

const NO_CALENDAR = 'this dashboard has no shift calendar: give it the alerting config or a shifts section (docs/dashboard.md#shifts)';

/** The shifts, when there are any to offer. */
export const hasShifts = (shifts: DashboardShifts | undefined): shifts is DashboardShifts => !!shifts && shifts.names.length > 0;

// biome-ignore lint/suspicious/noExplicitAny: any server and logger type; only the route API is used
export function registerShifts(app: FastifyInstance<any, any, any, any>, shifts: DashboardShifts | undefined, now: () => number): void {
  app.get('/api/shifts', async () => {
    if (!hasShifts(shifts)) return { calendar: false, reason: NO_CALENDAR, names: [], runs: [] };
    const t = now();
    const runs = shifts.recent(t).map((r) => ({ ...r, running: r.startMs <= t && t < r.endMs }));
    return { calendar: true, names: [...shifts.names], runs };
  });

  app.get('/api/shift-summary', async (req) => {
    const spec = parseSummaryQuery(req.query);
    if (!hasShifts(shifts)) throw new SeamError('SEAM_ERR_BAD_QUERY', NO_CALENDAR, { field: 'shift' });
    const summary = shifts.summary;
    if (!summary)
      throw new SeamError('SEAM_ERR_BAD_QUERY', 'this store keeps no rollups: no shift summary (use DuckDB or PostgreSQL)', {
        field: 'shift',
      });
    const t = now();
    // Resolved first, so a bad spec is a 400 naming `shift` before the store is asked anything.
    asShiftField(() => shifts.resolve(spec, t));
    try {
      return await summary(spec, t);
    } catch (err) {
      throw shiftField(err);
    }
  });
}

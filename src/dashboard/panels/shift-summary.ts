/**
 * The shift summary panel: one run of a shift, per camera, per line (site) and for the plant, each figure beside the
 * previous shift and the same shift a week earlier. Its document is exactly alerting/shifts/summary.ts's ShiftSummary,
 * the object `seamline report shift --format json` prints, so the page, the report and the handover notice never
 * disagree; the dashboard is handed the summary (shift-routes.ts DashboardShifts) and only checks the request here.
 */
import { SeamError } from '../../contract/index.ts';

const FIELDS = ['shift'];

/** The `shift=` of GET /api/shift-summary; every other field is refused by name. */
export function parseSummaryQuery(query: unknown): string {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q)) {
    if (!FIELDS.includes(key)) throw new SeamError('SEAM_ERR_BAD_QUERY', `unknown query field "${key}"; known: shift`, { field: key });
  }
  const spec = q.shift;
  if (typeof spec !== 'string' || spec === '') {
    throw new SeamError('SEAM_ERR_BAD_QUERY', 'shift is required, once: this, last, same-yesterday, same-last-week or NAME@YYYY-MM-DD', {
      field: 'shift',
    });
  }
  return spec;
}

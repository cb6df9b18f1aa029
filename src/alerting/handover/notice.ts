import type { DatedRun } from '../shifts/ranges.ts';
import type { ShiftSummary } from '../shifts/summary.ts';

export const HANDOVER_VERSION = 'seamline.handover.v1';

/** What a receiver gets at a shift's end (docs/alerting.md "The handover notice" shows a full body). */
export interface HandoverNotice {
  version: typeof HANDOVER_VERSION;
  /** `handover:<shift>:<run start, epoch ms>`: the same for every engine and every restart, also in Idempotency-Key. */
  id: string;
  receiver: string;
  shift: string;
  /** The local date the run started on, in the shift's zone. */
  date: string;
  starts_at: string;
  ends_at: string;
  created_at: string;
  /** The shift on the dashboard (`?shift=NAME@DATE`), when the engine knows the dashboard's address. */
  url: string | null;
  summary: ShiftSummary;
}

/** One id per run of a shift: what makes the notice once per shift end, whoever queues it and however often. */
export const handoverId = (run: Pick<DatedRun, 'shift' | 'startMs'>) => `handover:${run.shift}:${run.startMs}`;

/** The dashboard showing this run: its `shift` URL parameter is `NAME@YYYY-MM-DD` (docs/dashboard.md). */
export const shiftUrl = (dashboardUrl: string, run: Pick<DatedRun, 'shift' | 'date'>) => `${dashboardUrl}/?shift=${run.shift}@${run.date}`;

export function handoverNotice(
  run: DatedRun,
  summary: ShiftSummary,
  receiver: string,
  nowMs: number,
  dashboardUrl?: string,
): HandoverNotice {
  return {
    version: HANDOVER_VERSION,
    id: handoverId(run),
    receiver,
    shift: run.shift,
    date: run.date,
    starts_at: new Date(run.startMs).toISOString(),
    ends_at: new Date(run.endMs).toISOString(),
    created_at: new Date(nowMs).toISOString(),
    url: dashboardUrl ? shiftUrl(dashboardUrl, run) : null,
    summary,
  };
}

export const isHandover = (body: { version: string }): body is HandoverNotice => body.version === HANDOVER_VERSION;

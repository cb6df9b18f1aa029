import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type { AlertStateStore } from '../../store/alert-state.ts';
import type { ShiftCalendar } from '../config/shift-calendar.ts';
import type { DatedRun } from '../shifts/ranges.ts';
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
import type { ShiftCounts } from '../../store/shift-counts.ts';
import { summarizeShift, type ShiftSummary } from '../shifts/summary.ts';
import { handoverId, handoverNotice } from './notice.ts';
import { HANDOVER_LOOKBACK_MS, type HandoverSettings } from './settings.ts';

/** The runs of `names` that ended in (sinceMs, untilMs], oldest end first. */
export function endedRuns(calendar: ShiftCalendar, names: readonly string[], sinceMs: number, untilMs: number): DatedRun[] {
  const runs: DatedRun[] = [];
  for (const name of names) {
    const shift = calendar.get(name);
    if (!shift) continue;
    const last = DateTime.fromMillis(untilMs, { zone: shift.timezone }).startOf('day');
    // A run ending by untilMs started on its local date or before; one ending after sinceMs started at most 2 local days before it.
    const days = Math.ceil((untilMs - sinceMs) / 86_400_000) + 2;
    for (let i = 0; i <= days; i++) {
      const date = last.minus({ days: i });
      const run = calendar.runOn(shift, date);
      if (run && run.endMs > sinceMs && run.endMs <= untilMs) runs.push({ ...run, date: date.toISODate() ?? '', timezone: shift.timezone });
    }
  }
  return runs.sort((a, b) => a.endMs - b.endMs || a.shift.localeCompare(b.shift));
}

export interface HandoverQueueOptions {
  settings: HandoverSettings;
  calendar: ShiftCalendar;
  state: AlertStateStore;
  summarize: (run: DatedRun, nowMs: number) => Promise<ShiftSummary>;
  logger: Logger;
}

/**
 * Queues one handover notice per shift end into the alert outbox, from which the engine delivers it like an
 * alert notification (retries, backoff, one notifier). Once per shift end: the notice's id is the run's
 * (notice.ts handoverId), the outbox keeps one row per id and receiver (AlertStateStore.queueOnce), and at
 * each tick the leader looks back HANDOVER_LOOKBACK_MS for ends it has not queued, so a restart or a new
 * leader queues what a dead one did not, and never a second time what it did.
 */
export class HandoverQueue {
  /** Notices known to be in the outbox, by id, with their run's end (forgotten past the look-back). */
  private readonly known = new Map<string, number>();

  constructor(private readonly o: HandoverQueueOptions) {}

  /**
   * Queues the notices of runs that ended by `nowMs - delay` and are not yet in the outbox. `stillLeader` is
   * asked before each write, so an engine that lost its lock while summarizing writes nothing. Returns the ids queued.
   */
  async queueDue(nowMs: number, dashboardUrl: string | undefined, stillLeader: () => Promise<boolean>): Promise<string[]> {
    const { settings, calendar, state } = this.o;
    for (const [id, endMs] of this.known) if (endMs <= nowMs - HANDOVER_LOOKBACK_MS) this.known.delete(id);
    const runs = endedRuns(calendar, settings.shifts, nowMs - HANDOVER_LOOKBACK_MS, nowMs - settings.delayMs).filter(
      (r) => !this.known.has(handoverId(r)),
    );
    if (runs.length === 0) return [];
    const inOutbox = await state.queuedIds(runs.map(handoverId));
    const queued: string[] = [];
    for (const run of runs) {
      const id = handoverId(run);
      if (!inOutbox.has(id)) {
        const summary = await this.o.summarize(run, nowMs);
        if (!(await stillLeader())) return queued;
        const rows = settings.receivers.map((receiver) => ({
          id,
          receiver,
          createdAt: nowMs,
          body: handoverNotice(run, summary, receiver, nowMs, dashboardUrl),
        }));
        const added = await state.queueOnce(rows);
        this.o.logger.info({ id, receivers: settings.receivers, added }, 'alerting: handover notice queued');
        queued.push(id);
      }
      this.known.set(id, run.endMs);
    }
    return queued;
  }
}

/** The summary a notice carries: the shift summary of the store's counts, with the section's part class and the evidence store's images. */
export function handoverSummary(
  counts: ShiftCounts,
  calendar: ShiftCalendar,
  settings: HandoverSettings,
  evidence?: EvidenceStore,
): HandoverQueueOptions['summarize'] {
  return (run, nowMs) =>
    summarizeShift(counts, calendar, run, {
      nowMs,
      ...(evidence ? { evidence } : {}),
      ...(settings.partClass ? { partClass: settings.partClass } : {}),
    });
}

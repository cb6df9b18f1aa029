import { cameraKey } from '../../contract/index.ts';
import type { CountRow, PanelReader } from '../../store/panel-reader.ts';
import type { PanelWindow } from './window.ts';
import { indexOf, periodsOf } from './periods.ts';

export interface HealthPanel {
  /** Events waiting in the edge outboxes: per period, the sum over cameras of each one's largest heartbeat figure. */
  outboxDepth: (number | null)[];
  /** Poison messages dead-lettered per period. */
  deadLetters: number[];
  /** seq numbers missing per period, summed over cameras: lost upstream, or not yet arrived. */
  seqGaps: number[];
  /** Messages held by the consumers, sampled by each consumer into the store (the largest sample per period, summed). */
  inFlight: (number | null)[];
}

/**
 * seq numbers missing per camera and period: inside the period (its seq range minus the events stored)
 * and between it and the camera's previous period with events. A camera whose seq went down (a reset)
 * counts no gap there.
 */
export function seqGapsPerPeriod(
  rows: readonly CountRow[],
  periods: readonly number[],
): { total: number[]; perCamera: Map<string, number> } {
  const at = indexOf(periods);
  const total = periods.map(() => 0);
  const perCamera = new Map<string, number>();
  const lastMax = new Map<string, number>();
  for (const r of [...rows].sort((a, b) => a.period - b.period)) {
    const key = cameraKey(r);
    const prev = lastMax.get(key);
    const inside = Math.max(0, r.maxSeq - r.minSeq + 1 - r.events);
    const between = prev === undefined ? 0 : Math.max(0, r.minSeq - prev - 1);
    lastMax.set(key, Math.max(prev ?? -Infinity, r.maxSeq));
    const i = at.get(r.period);
    if (i === undefined) continue;
    total[i] += inside + between;
    perCamera.set(key, (perCamera.get(key) ?? 0) + inside + between);
  }
  return { total, perCamera };
}

/** Each line aggregated by the store (one row per period), so a day of fifty cameras is a few hundred rows. */
export async function healthPanel(reader: PanelReader, w: PanelWindow): Promise<HealthPanel> {
  const periods = periodsOf(w);
  const at = indexOf(periods);
  const [depth, consumers, dead, gaps] = await Promise.all([
    reader.outboxDepth(w),
    reader.consumers(w),
    reader.deadLetters(w),
    reader.seqGaps(w),
  ]);
  const line = (rows: readonly { period: number }[], value: (r: never) => number) => {
    const out: (number | null)[] = periods.map(() => null);
    for (const r of rows) {
      const i = at.get(r.period);
      if (i !== undefined) out[i] = (out[i] ?? 0) + value(r as never);
    }
    return out;
  };
  const n = (r: { n: number }) => r.n;
  return {
    outboxDepth: line(depth, n),
    deadLetters: line(dead, n).map((v) => v ?? 0),
    seqGaps: line(gaps, n).map((v) => v ?? 0),
    inFlight: line(consumers, (r: { inFlight: number }) => r.inFlight),
  };
}

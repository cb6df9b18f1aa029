import type { DetectionV1, StatusV1 } from '../contract/index.ts';
import { bucketOf, HISTOGRAMS } from './rollup-histogram.ts';
import { ALL_CAMERAS, CLASSES, COUNTS, LATENCY, type RollupTable } from './rollup-schema.ts';

/** Rollup rows at minute resolution, in each table's column order (period, keys, measures). */
export type RollupRows = Map<RollupTable, (string | number)[][]>;

const MINUTE = 60_000;
export const minuteOf = (ms: number) => ms - (((ms % MINUTE) + MINUTE) % MINUTE);

/** Rows keyed by their identity, folded as each measure says (sum, min, max). */
class Folder {
  private readonly rows = new Map<string, (string | number)[]>();
  constructor(private readonly table: RollupTable) {}

  add(key: (string | number)[], measures: number[]): void {
    const id = key.join('\u0000');
    const row = this.rows.get(id);
    if (!row) {
      this.rows.set(id, [...key, ...measures]);
      return;
    }
    const at = key.length;
    this.table.measures.forEach((m, i) => {
      const old = row[at + i] as number;
      row[at + i] = m.agg === 'sum' ? old + measures[i] : m.agg === 'min' ? Math.min(old, measures[i]) : Math.max(old, measures[i]);
    });
  }

  values(): (string | number)[][] {
    return [...this.rows.values()];
  }
}

/**
 * The minute rollups of events newly stored by one write: the store calls this with exactly the events
 * its write path decided are new, so the rollup counts each event once however often it is delivered.
 * `captured` holds each event's captured_at in epoch ms (parsed once by the caller).
 */
export function rollupEvents(events: readonly DetectionV1[], captured: readonly number[], committedMs: number): RollupRows {
  const counts = new Folder(COUNTS);
  const classes = new Folder(CLASSES);
  const latency = new Folder(LATENCY);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const at = captured[i];
    const minute = minuteOf(at);
    counts.add([minute, e.region, e.site, e.camera], [1, e.detections.length, e.seq, e.seq, at]);
    for (const d of e.detections) classes.add([minute, e.region, e.site, e.camera, d.class], [1]);
    const inference = bucketOf(Date.parse(e.inferred_at) - at);
    const lag = bucketOf(committedMs - at);
    for (const camera of [e.camera, ALL_CAMERAS]) {
      latency.add([minute, e.region, e.site, camera, HISTOGRAMS.inference, inference], [1]);
      latency.add([minute, e.region, e.site, camera, HISTOGRAMS.lag, lag], [1]);
    }
  }
  return new Map([
    [COUNTS, counts.values()],
    [CLASSES, classes.values()],
    [LATENCY, latency.values()],
  ]);
}

/** The heartbeat rollup row of one status.v1, or undefined when it carries no outbox figures (a last will may not). */
export function rollupHeartbeat(status: StatusV1, receivedMs: number): (string | number)[] | undefined {
  if (status.outbox_depth === undefined && status.oldest_unsent_ms === undefined && status.drops === undefined) return undefined;
  return [minuteOf(receivedMs), status.region, status.site, status.camera, status.outbox_depth ?? 0, status.oldest_unsent_ms ?? 0, status.drops ?? 0];
}


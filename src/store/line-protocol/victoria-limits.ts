import type { DetectionV1 } from '../../contract/index.ts';

/**
 * What VictoriaMetrics (1.79, single node) accepts with 204 and then does not keep, so that the store can
 * refuse it instead (docs/stores.md#victoriametrics): samples older than -retentionPeriod or more than
 * about 48 hours ahead of its clock are dropped with a rate-limited warning in its own log; timestamp 0 is
 * read as "now"; a number below about 2.2e-308 (a subnormal) becomes 0. Every other number keeps 12
 * significant digits (its storage format), which is the precision docs/stores.md gives for it.
 */
const HOUR_MS = 3_600_000;
/** Its future bound is 48 h; an hour of margin, since its clock and ours differ. */
const FUTURE_MS = 47 * HOUR_MS;
/** Margin at the old end too: an event refused here is dead-lettered, one accepted there is lost. */
const PAST_MARGIN_MS = HOUR_MS;
/** Below this, not zero: VictoriaMetrics may store 0 (it does for subnormals; 1e-300 and up survive). */
const SMALLEST_NUMBER = 1e-300;

const UNIT_MS: Record<string, number> = { h: HOUR_MS, d: 24 * HOUR_MS, w: 7 * 24 * HOUR_MS, y: 365 * 24 * HOUR_MS };
/** A month as VictoriaMetrics counts a -retentionPeriod without a unit; 30 days errs on the side of refusing. */
const MONTH_MS = 30 * 24 * HOUR_MS;

/** `-retentionPeriod` as /flags shows it (`"100y"`, `"1"`, absent: the default, one month), in ms. */
export function retentionMs(flags: string): number {
  const m = /^-retentionPeriod="?(\d+(?:\.\d+)?)([hdwy]?)"?$/m.exec(flags);
  if (!m) return MONTH_MS;
  return Number(m[1]) * (m[2] ? UNIT_MS[m[2]] : MONTH_MS);
}

/** Why VictoriaMetrics would not keep this event as sent, or undefined when it would. */
export function victoriaRefusal(e: DetectionV1, nowMs: number, retention: number): string | undefined {
  const captured = Date.parse(e.captured_at);
  const oldest = Math.max(1, nowMs - retention + PAST_MARGIN_MS);
  if (captured < oldest) {
    return `captured_at ${e.captured_at} is older than VictoriaMetrics keeps (its -retentionPeriod reaches back to ${new Date(oldest).toISOString()}); it would answer 204 and store nothing`;
  }
  if (captured > nowMs + FUTURE_MS) {
    return `captured_at ${e.captured_at} is more than 47 h ahead of this consumer's clock; VictoriaMetrics would answer 204 and store nothing`;
  }
  for (const [i, d] of e.detections.entries()) {
    const numbers: [string, number][] = [['confidence', d.confidence], ...d.bbox.map((v, j): [string, number] => [`bbox[${j}]`, v])];
    for (const [name, v] of numbers) {
      if (v !== 0 && Math.abs(v) < SMALLEST_NUMBER)
        return `detections[${i}].${name} ${v} is too small for VictoriaMetrics, which would store 0`;
    }
  }
  return undefined;
}

import { SeamError } from '../../contract/index.ts';
import { parseDuration } from '../config/duration.ts';
import type { HandoverInput } from '../config/schema.ts';

/** The `handover` section of an alerts config, validated (docs/alerting.md "The handover notice"). */
export interface HandoverSettings {
  receivers: string[];
  /** The shifts whose ends are handed over: the section's `shifts`, or every shift of the calendar. */
  shifts: string[];
  /** How long after a shift's end its notice is queued, so events still on their way at the end are counted. */
  delayMs: number;
  /** The class that counts parts, for the summary's defects per part. */
  partClass?: string;
}

/** A restarted engine (or a new leader) queues the notices of shift ends it has not queued yet, this far back. */
export const HANDOVER_LOOKBACK_MS = 24 * 3_600_000;

const bad = (field: string, reason: string) => new SeamError('SEAM_ERR_CONFIG', `alerts config: ${field} ${reason}`, { field });

/** Checks what the schema cannot: names of receivers and shifts that exist, a delay shorter than the look-back. */
export function parseHandover(input: HandoverInput, receivers: ReadonlySet<string>, shifts: readonly string[]): HandoverSettings {
  input.receivers.forEach((r, i) => {
    if (!receivers.has(r)) throw bad(`handover.receivers[${i}]`, `names no receiver: ${JSON.stringify(r)}`);
  });
  if (shifts.length === 0) throw bad('handover', 'needs shifts: the config has none (add a shifts section)');
  input.shifts?.forEach((s, i) => {
    if (!shifts.includes(s)) throw bad(`handover.shifts[${i}]`, `names no shift: ${JSON.stringify(s)}`);
  });
  const delayMs = parseDuration(input.delay ?? '1m');
  if (delayMs >= HANDOVER_LOOKBACK_MS) throw bad('handover.delay', 'must be shorter than 24h');
  return {
    receivers: input.receivers,
    shifts: input.shifts ?? [...shifts],
    delayMs,
    ...(input.partClass ? { partClass: input.partClass } : {}),
  };
}

import type { Redelivery } from './redeliver.ts';
import type { StoredCounts } from './stored-counts.ts';

/** What every chaos scenario reports; `ok` is false when anything was lost or stored twice. */
export interface ChaosResult {
  scenario: string;
  /** Events the producer was told were accepted (by the bridge or the broker). */
  produced: number;
  /** Distinct events in the store at the end. */
  stored: number;
  lost: number;
  /**
   * Copies stored twice: event rows beyond the distinct ids, plus what a deliberate redelivery inserted
   * (PostgreSQL, where a unique index keeps the first figure at zero by construction; see redeliver.ts).
   */
  duplicates: number;
  /** Detection rows minus the boxes the stored events carry: non-zero means detections doubled or went missing. */
  detections_mismatch: number;
  dead_lettered: number;
  /** Stored events sharing a camera's seq with another: a seq handed out twice. */
  seq_repeats: number;
  ok: boolean;
  /** Scenario-specific figures (kills, outage seconds, ...). */
  [detail: string]: string | number | boolean;
}

export interface ChaosScenario {
  name: string;
  description: string;
  run(progress: (line: string) => void): Promise<ChaosResult>;
}

/**
 * Builds the common fields from what was produced and what the store holds. `lost` defaults to the
 * shortfall in distinct events; scenarios that know exactly which ids were acknowledged pass the count
 * of those missing from the store instead (a bridge may deliver an event it crashed before answering,
 * which is at-least-once working, not a surplus to fail on).
 */
export function verdict(
  scenario: string,
  produced: number,
  stored: Pick<StoredCounts, 'distinct' | 'rows' | 'distinctSeqs' | 'detections' | 'boxes'>,
  deadLettered: number,
  options: { expectedDeadLetters?: number; lost?: number; redelivery?: Redelivery } = {},
): ChaosResult {
  const lost = options.lost ?? Math.max(0, produced - stored.distinct);
  const r = options.redelivery;
  const duplicates = stored.rows - stored.distinct + (r?.inserted ?? 0);
  const detectionsMismatch = stored.detections - stored.boxes;
  const seqRepeats = stored.distinct - stored.distinctSeqs;
  const exact = options.lost === undefined ? stored.distinct === produced : stored.distinct >= produced;
  // A redelivery that was not offered, or not refused in full, proves nothing about doubles: not ok.
  const redeliveryOk = r === undefined || (r.offered > 0 && r.refused === r.offered && r.insertedDetections === 0);
  return {
    scenario,
    produced,
    stored: stored.distinct,
    lost,
    duplicates,
    detections_mismatch: detectionsMismatch,
    dead_lettered: deadLettered,
    seq_repeats: seqRepeats,
    ...(r ? { redelivered: r.offered, redelivery_refused: r.refused } : {}),
    ok:
      lost === 0 &&
      duplicates === 0 &&
      detectionsMismatch === 0 &&
      seqRepeats === 0 &&
      exact &&
      redeliveryOk &&
      deadLettered === (options.expectedDeadLetters ?? 0),
  };
}

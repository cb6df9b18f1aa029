/** What every chaos scenario reports; `ok` is false when anything was lost or stored twice. */
export interface ChaosResult {
  scenario: string;
  /** Events the producer was told were accepted (by the bridge or the broker). */
  produced: number;
  /** Distinct events in the store at the end. */
  stored: number;
  lost: number;
  duplicates: number;
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
  stored: { distinct: number; rows: number; distinctSeqs: number },
  deadLettered: number,
  options: { expectedDeadLetters?: number; lost?: number } = {},
): ChaosResult {
  const lost = options.lost ?? Math.max(0, produced - stored.distinct);
  const duplicates = stored.rows - stored.distinct;
  const seqRepeats = stored.distinct - stored.distinctSeqs;
  const exact = options.lost === undefined ? stored.distinct === produced : stored.distinct >= produced;
  return {
    scenario,
    produced,
    stored: stored.distinct,
    lost,
    duplicates,
    dead_lettered: deadLettered,
    seq_repeats: seqRepeats,
    ok: lost === 0 && duplicates === 0 && seqRepeats === 0 && exact && deadLettered === (options.expectedDeadLetters ?? 0),
  };
}

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
  ok: boolean;
  /** Scenario-specific figures (kills, outage seconds, ...). */
  [detail: string]: string | number | boolean;
}

export interface ChaosScenario {
  name: string;
  description: string;
  run(progress: (line: string) => void): Promise<ChaosResult>;
}

/** Builds the common fields from what was produced and what the store holds. */
export function verdict(
  scenario: string,
  produced: number,
  stored: { distinct: number; rows: number },
  deadLettered: number,
  expectedDeadLetters = 0,
): ChaosResult {
  const lost = Math.max(0, produced - stored.distinct);
  const duplicates = stored.rows - stored.distinct;
  return {
    scenario,
    produced,
    stored: stored.distinct,
    lost,
    duplicates,
    dead_lettered: deadLettered,
    ok: lost === 0 && duplicates === 0 && stored.distinct === produced && deadLettered === expectedDeadLetters,
  };
}

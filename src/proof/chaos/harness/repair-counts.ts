import pg from 'pg';

/**
 * What a repair scenario's verdict needs, read straight from the store after every process let go of it
 * (the verdict does not trust the code under test):
 *
 * - `duplicates`: stored rows beyond one per (camera, seq). Each event has its own seq, so this counts an event
 *   stored twice whether or not the store has a unique index on event_id (PostgreSQL does, and "rows minus
 *   distinct ids" could never fail there), and it also counts a republish that came back as a new event.
 * - `missing`: event ids the bridges answered for that the store does not hold.
 */
export interface RepairCounts {
  rows: number;
  distinct: number;
  duplicates: number;
  /** Detection rows minus the boxes the stored events say they carry. */
  detectionsMismatch: number;
  missing: number;
  /** From the ledger: seqs repaired, confirmed lost, still being repaired; the longest repair, ms. */
  repaired: number;
  lost: number;
  repairing: number;
  longestRepairMs: number;
  /** Median over the repaired ranges, ms. */
  medianRepairMs: number;
}

const COUNTS = `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, coalesce(sum(detections), 0) AS boxes,
  (SELECT count(*) FROM detections) AS detection_rows,
  (SELECT count(*) FROM (SELECT DISTINCT region, site, camera, seq FROM events) s) AS seqs FROM events`;
const size = '(to_seq - from_seq + 1)';
const LEDGER = `SELECT coalesce(sum(CASE WHEN state = 'repaired' THEN ${size} ELSE 0 END), 0) AS repaired,
  coalesce(sum(CASE WHEN state = 'lost' THEN ${size} ELSE 0 END), 0) AS lost,
  coalesce(sum(CASE WHEN state = 'repairing' THEN ${size} ELSE 0 END), 0) AS repairing,
  coalesce(max(CASE WHEN state = 'repaired' THEN resolved_at_ms - detected_at_ms END), 0) AS longest,
  coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN state = 'repaired' THEN resolved_at_ms - detected_at_ms END), 0) AS median
  FROM repair_ranges`;

function toCounts(c: Record<string, unknown>, l: Record<string, unknown> | undefined, missing: number): RepairCounts {
  const rows = Number(c.n);
  return {
    rows,
    distinct: Number(c.ids),
    duplicates: rows - Number(c.seqs),
    detectionsMismatch: Number(c.detection_rows) - Number(c.boxes),
    missing,
    repaired: Number(l?.repaired ?? 0),
    lost: Number(l?.lost ?? 0),
    repairing: Number(l?.repairing ?? 0),
    longestRepairMs: Number(l?.longest ?? 0),
    medianRepairMs: Math.round(Number(l?.median ?? 0)),
  };
}

export async function postgresRepairCounts(url: string, ids: Iterable<string>): Promise<RepairCounts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const counts = (await client.query(COUNTS)).rows[0];
    const ledger = (await client.query(LEDGER)).rows[0];
    const wanted = [...ids];
    const missing = (
      await client.query(
        `SELECT count(*) AS n FROM unnest($1::uuid[]) AS w(id) WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = w.id)`,
        [wanted],
      )
    ).rows[0].n;
    return toCounts(counts, ledger, Number(missing));
  } finally {
    await client.end();
  }
}

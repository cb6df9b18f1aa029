import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';

export interface StoredCounts {
  /** Event rows, duplicates included. */
  rows: number;
  distinct: number;
  /** Detection rows. */
  detections: number;
  /** The boxes the stored events say they carry (sum of events.detections): detection rows must equal it. */
  boxes: number;
  deadLetters: number;
  /** Distinct (region, site, camera, seq): fewer than `distinct` means a seq was handed out twice. */
  distinctSeqs: number;
}

const SQL = `SELECT (SELECT count(*) FROM events) AS rows, (SELECT count(DISTINCT event_id) FROM events) AS distinct_ids,
  (SELECT count(*) FROM detections) AS detections, (SELECT coalesce(sum(detections), 0) FROM events) AS boxes,
  (SELECT count(*) FROM dead_letters) AS dead_letters,
  (SELECT count(*) FROM (SELECT DISTINCT region, site, camera, seq FROM events) s) AS distinct_seqs`;

const toCounts = (r: Record<string, unknown>): StoredCounts => ({
  rows: Number(r.rows),
  distinct: Number(r.distinct_ids),
  detections: Number(r.detections),
  boxes: Number(r.boxes),
  deadLetters: Number(r.dead_letters),
  distinctSeqs: Number(r.distinct_seqs),
});

/** Counts straight from a DuckDB file the consumer has closed: the verdict does not trust the code under test. */
export async function duckdbCounts(path: string): Promise<StoredCounts> {
  const db = await DuckDBInstance.create(path);
  const conn = await db.connect();
  try {
    return toCounts((await conn.runAndReadAll(SQL)).getRowObjects()[0]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** How many of `ids` the DuckDB file does not hold. */
export async function duckdbMissing(path: string, ids: Iterable<string>): Promise<number> {
  const db = await DuckDBInstance.create(path);
  const conn = await db.connect();
  try {
    await conn.run('CREATE TEMP TABLE wanted (event_id VARCHAR)');
    const app = await conn.createAppender('wanted', 'main', 'temp');
    for (const id of ids) {
      app.appendVarchar(id);
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
    const rows = await conn.runAndReadAll('SELECT count(*) FROM wanted w ANTI JOIN events e ON w.event_id = e.event_id');
    return Number(rows.getRows()[0][0]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export async function postgresCounts(url: string): Promise<StoredCounts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return toCounts((await client.query(SQL)).rows[0]);
  } finally {
    await client.end();
  }
}

/** How many of `ids` PostgreSQL does not hold (event ids as the bridges answered them). */
export async function postgresMissing(url: string, ids: Iterable<string>): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const sql = 'SELECT count(*) AS n FROM unnest($1::uuid[]) AS w(id) WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = w.id)';
    return Number((await client.query(sql, [[...ids]])).rows[0].n);
  } finally {
    await client.end();
  }
}

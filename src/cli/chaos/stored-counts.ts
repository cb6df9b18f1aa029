import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';

export interface StoredCounts {
  /** Event rows, duplicates included. */
  rows: number;
  distinct: number;
  detections: number;
  deadLetters: number;
}

const SQL = `SELECT (SELECT count(*) FROM events) AS rows, (SELECT count(DISTINCT event_id) FROM events) AS distinct_ids,
  (SELECT count(*) FROM detections) AS detections, (SELECT count(*) FROM dead_letters) AS dead_letters`;

const toCounts = (r: Record<string, unknown>): StoredCounts => ({
  rows: Number(r.rows),
  distinct: Number(r.distinct_ids),
  detections: Number(r.detections),
  deadLetters: Number(r.dead_letters),
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

export async function postgresCounts(url: string): Promise<StoredCounts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return toCounts((await client.query(SQL)).rows[0]);
  } finally {
    await client.end();
  }
}

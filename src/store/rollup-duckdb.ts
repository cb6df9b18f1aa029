import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { StatusV1 } from '../contract/index.ts';
import type { ConsumerSample } from './store.ts';
import { rollupHeartbeat, type RollupRows } from './rollup-batch.ts';
import { CONSUMERS, HEARTBEATS, keyNames, LEVELS, levelTable, mergeExpression, ROLLUP_TABLES, rollupDdl, statusLogDdl, type RollupTable } from './rollup-schema.ts';

/** Where a write's minute rows go first; compaction folds them into the level tables. */
export const journalTable = (t: RollupTable) => `${t.name}_journal`;
export const STATUS_LOG = 'camera_status_log';


export const DUCKDB_ROLLUP_DDL = [
  ...ROLLUP_TABLES.flatMap((t) => [rollupDdl(t, journalTable(t), 'duck', false), ...LEVELS.map((l) => rollupDdl(t, levelTable(t, l), 'duck', false))]),
  statusLogDdl(STATUS_LOG, 'duck'),
];

function appendRow(app: DuckDBAppender, t: RollupTable, row: readonly (string | number)[]): void {
  app.appendBigInt(BigInt(row[0]));
  t.keys.forEach((k, i) => {
    const v = row[1 + i];
    if (k.duck === 'VARCHAR') app.appendVarchar(String(v));
    else app.appendSmallInt(Number(v));
  });
  for (let i = 1 + t.keys.length; i < row.length; i++) app.appendBigInt(BigInt(Math.round(Number(row[i]))));
  app.endRow();
}

async function appendRows(conn: DuckDBConnection, t: RollupTable, rows: readonly (readonly (string | number)[])[]): Promise<void> {
  if (rows.length === 0) return;
  const app = await conn.createAppender(journalTable(t));
  try {
    for (const row of rows) appendRow(app, t, row);
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/**
 * DuckDB's rollups. The store has one writer, so a write appends its minute rows to journal tables in
 * the same transaction as its events (cheap: a few hundred rows through an appender, no index to keep);
 * every few seconds `compact` folds the journals into the three level tables, one row per key, in one
 * transaction of its own. Readers add the journal to the level table they read, so a panel is exact
 * between compactions too. No PRIMARY KEY anywhere: DuckDB keeps an index in memory, and a week of
 * histogram rows would not fit beside the 64 MB the consumer runs in.
 */
export class DuckDbRollups {
  /** Last state per camera, so only changes go into the status log. Loaded at open. */
  private readonly lastState = new Map<string, string>();

  async load(conn: DuckDBConnection): Promise<void> {
    const rows = (await conn.runAndReadAll(`SELECT region || '/' || site || '/' || camera, state FROM camera_status`)).getRows();
    this.lastState.clear();
    for (const [key, state] of rows) this.lastState.set(String(key), String(state));
  }

  /** Inside the write's transaction. */
  async appendEvents(conn: DuckDBConnection, rows: RollupRows): Promise<void> {
    for (const [table, list] of rows) await appendRows(conn, table, list);
  }

  /** Before the camera_status upsert: a transition goes into the log, heartbeat figures into their journal. */
  async recordStatus(conn: DuckDBConnection, status: StatusV1, receivedMs: number): Promise<void> {
    const key = `${status.region}/${status.site}/${status.camera}`;
    if (this.lastState.get(key) !== status.state) {
      await conn.run(`INSERT INTO ${STATUS_LOG} VALUES ($region, $site, $camera, $state, $at, $received)`, {
        region: status.region,
        site: status.site,
        camera: status.camera,
        state: status.state,
        at: Date.parse(status.at),
        received: receivedMs,
      });
      this.lastState.set(key, status.state);
    }
    const beat = rollupHeartbeat(status, receivedMs);
    if (beat) await appendRows(conn, HEARTBEATS, [beat]);
  }

  async recordConsumer(conn: DuckDBConnection, s: ConsumerSample): Promise<void> {
    const minute = s.atMs - (s.atMs % 60_000);
    await appendRows(conn, CONSUMERS, [[minute, s.consumer, s.inFlight, s.pending]]);
  }

  /**
   * Folds every journal into the level tables and empties it, in one transaction: for each level, the
   * periods the journal touches are read, merged with the journal rows, deleted and written back. The
   * range bounds let DuckDB skip row groups by their min/max, so this costs the touched periods only.
   * Resolves with the journal rows folded.
   */
  async compact(conn: DuckDBConnection): Promise<number> {
    let folded = 0;
    await conn.run('BEGIN TRANSACTION');
    try {
      for (const t of ROLLUP_TABLES) folded += await this.compactTable(conn, t);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => {});
      throw err;
    }
    return folded;
  }

  private async compactTable(conn: DuckDBConnection, t: RollupTable): Promise<number> {
    const journal = journalTable(t);
    const [[n, lo, hi]] = (await conn.runAndReadAll(`SELECT count(*), min(period), max(period) FROM ${journal}`)).getRows();
    if (Number(n) === 0) return 0;
    const keys = keyNames(t);
    const cols = [...keys, ...t.measures.map((m) => m.name)];
    const otherCols = cols.slice(1).join(', ');
    for (const level of LEVELS) {
      const table = levelTable(t, level);
      const L = level.ms;
      const from = Number(lo) - (Number(lo) % L);
      const to = Number(hi) - (Number(hi) % L);
      const touched = `period BETWEEN ${from} AND ${to} AND period IN (SELECT DISTINCT period - period % ${L} FROM ${journal})`;
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE rollup_merge AS
           SELECT ${keys.join(', ')}, ${t.measures.map((m) => `${mergeExpression(m)} AS ${m.name}`).join(', ')} FROM (
             SELECT period - period % ${L} AS period, ${otherCols} FROM ${journal}
             UNION ALL SELECT ${cols.join(', ')} FROM ${table} WHERE ${touched})
           GROUP BY ${keys.join(', ')}`,
      );
      await conn.run(`DELETE FROM ${table} WHERE ${touched}`);
      await conn.run(`INSERT INTO ${table} SELECT ${cols.join(', ')} FROM temp.rollup_merge ORDER BY period`);
    }
    await conn.run(`DELETE FROM ${journal}`);
    return Number(n);
  }
}

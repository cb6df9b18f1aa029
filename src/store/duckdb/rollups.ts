import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from './transaction.ts';
import { cameraKey, type StatusV1 } from '../../contract/index.ts';
import type { ConsumerSample } from '../store.ts';
import { rollupHeartbeat, type RollupRows } from '../rollups/batch.ts';
import {
  ALL_CAMERAS,
  CLASSES,
  CLOCK,
  CONSUMERS,
  COUNTS,
  HEARTBEATS,
  keyNames,
  LATENCY,
  LEVELS,
  levelTable,
  mergeExpression,
  plantRowsBackfill,
  ROLLUP_TABLES,
  rollupDdl,
  statusLogDdl,
  type RollupTable,
} from '../rollups/schema.ts';

/** Where a write's minute rows go first; compaction folds them into the level tables. */
export const journalTable = (t: RollupTable) => `${t.name}_journal`;
export const STATUS_LOG = 'camera_status_log';

/**
 * The histogram journal holds one row per camera, minute and kind with its buckets as text; the view of
 * the journal's name unpacks it into bucket rows and adds each site's sum (camera ALL_CAMERAS) and the
 * plant's, so compaction and the panels read it like any other journal.
 */
const LATENCY_RAW = `${LATENCY.name}_journal_raw`;
const LATENCY_JOURNAL_DDL = [
  `CREATE TABLE IF NOT EXISTS ${LATENCY_RAW} (period BIGINT NOT NULL, region VARCHAR NOT NULL, site VARCHAR NOT NULL,
     camera VARCHAR NOT NULL, kind SMALLINT NOT NULL, buckets VARCHAR NOT NULL)`,
  `CREATE OR REPLACE VIEW ${journalTable(LATENCY)} AS
     WITH pairs AS (SELECT period, region, site, camera, kind, unnest(string_split(buckets, ',')) AS pair FROM ${LATENCY_RAW}),
     r AS (SELECT period, region, site, camera, kind, CAST(split_part(pair, ':', 1) AS SMALLINT) AS bucket,
                  CAST(split_part(pair, ':', 2) AS BIGINT) AS n FROM pairs)
     SELECT * FROM r UNION ALL SELECT period, region, site, '${ALL_CAMERAS}' AS camera, kind, bucket, n FROM r
     UNION ALL SELECT period, '${ALL_CAMERAS}', '${ALL_CAMERAS}', '${ALL_CAMERAS}', kind, bucket, n FROM r`,
];

export const DUCKDB_ROLLUP_DDL = [
  ...ROLLUP_TABLES.filter((t) => t !== LATENCY).map((t) => rollupDdl(t, journalTable(t), 'duck', false)),
  ...LATENCY_JOURNAL_DDL,
  ...ROLLUP_TABLES.flatMap((t) => LEVELS.map((l) => rollupDdl(t, levelTable(t, l), 'duck', false))),
  ...LEVELS.map((l) => plantRowsBackfill(levelTable(LATENCY, l), 'duck')),
  statusLogDdl(STATUS_LOG, 'duck'),
];

type ColumnType = 'VARCHAR' | 'BIGINT' | 'SMALLINT';
const typesOf = (t: RollupTable): ColumnType[] => ['BIGINT', ...t.keys.map((k) => k.duck), ...t.measures.map(() => 'BIGINT' as const)];
const LATENCY_RAW_TYPES: ColumnType[] = ['BIGINT', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'SMALLINT', 'VARCHAR'];

async function appendRows(
  conn: DuckDBConnection,
  table: string,
  types: ColumnType[],
  rows: readonly (readonly (string | number)[])[],
): Promise<void> {
  if (rows.length === 0) return;
  const app = await conn.createAppender(table);
  try {
    for (const row of rows) {
      for (let i = 0; i < types.length; i++) {
        const v = row[i];
        if (types[i] === 'VARCHAR') app.appendVarchar(String(v));
        else if (types[i] === 'SMALLINT') app.appendSmallInt(Number(v));
        else app.appendBigInt(BigInt(Math.round(Number(v))));
      }
      app.endRow();
    }
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
    await appendRows(conn, journalTable(COUNTS), typesOf(COUNTS), rows.counts);
    await appendRows(conn, journalTable(CLASSES), typesOf(CLASSES), rows.classes);
    await appendRows(conn, LATENCY_RAW, LATENCY_RAW_TYPES, rows.latency);
  }

  /** Before the camera_status upsert: a transition goes into the log, heartbeat figures into their journal. */
  async recordStatus(conn: DuckDBConnection, status: StatusV1, receivedMs: number): Promise<void> {
    const key = cameraKey(status);
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
    if (beat) await appendRows(conn, journalTable(HEARTBEATS), typesOf(HEARTBEATS), [beat]);
  }

  async recordConsumer(conn: DuckDBConnection, s: ConsumerSample): Promise<void> {
    const minute = s.atMs - (s.atMs % 60_000);
    await appendRows(conn, journalTable(CONSUMERS), typesOf(CONSUMERS), [[minute, s.consumer, s.inFlight, s.pending]]);
    const clock = (s.cameras ?? []).map((c) => [minute, c.region, c.site, c.camera, c.minLagMs, c.maxLagMs, c.events]);
    await appendRows(conn, journalTable(CLOCK), typesOf(CLOCK), clock);
  }

  /**
   * Folds every journal into the level tables and empties it, in one transaction: for each level, the
   * periods the journal touches are read, merged with the journal rows, deleted and written back. The
   * range bounds let DuckDB skip row groups by their min/max, so this costs the touched periods only.
   * Resolves with the journal rows folded.
   */
  async compact(conn: DuckDBConnection): Promise<number> {
    return inTransaction(conn, async () => {
      let folded = 0;
      for (const t of ROLLUP_TABLES) folded += await this.compactTable(conn, t);
      return folded;
    });
  }

  private async compactTable(conn: DuckDBConnection, t: RollupTable): Promise<number> {
    // Read once: the histogram journal is a view that unpacks its rows, and each level reads them all.
    await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_journal AS SELECT * FROM ${journalTable(t)}`);
    const journal = 'rollup_journal';
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
    await conn.run(`DELETE FROM ${t === LATENCY ? LATENCY_RAW : journalTable(t)}`);
    return Number(n);
  }
}

/**
 * Opening a DuckDB store's file: an in-memory instance with the store's settings, the file attached to it,
 * and the file's layout checked, moved over from an older one, and completed (store.ts calls these in order).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SeamError } from '../../contract/index.ts';
import { DUCKDB_DDL, DUCKDB_EVENT_TABLES, DUCKDB_MIGRATE_WIDE_EVENTS, DUCKDB_STAGING_DDL } from './schema.ts';
import { DUCKDB_ROLLUP_DDL } from './rollups.ts';
import { inTransaction } from './transaction.ts';

/**
 * Rows per row group, a quarter of DuckDB's default. A checkpoint recompresses the row group still being
 * filled, so with 122,880 rows each one was compressed several times over; at 32,768 the store's CPU per
 * event fell from 6.8 to 5.1 us (400,000 events in batches of 1,000) and the file came out a third smaller.
 */
const ROW_GROUP_SIZE = 32_768;
export const DEFAULT_MEMORY_LIMIT = '64MB';
/**
 * The log a SIGKILL leaves is replayed before the file opens, at 100-200 ms a megabyte here (small batches:
 * 8 MB, 40,000 events in 2,000 commits, took 840-930 ms). DuckDB's default checkpoints at 16 MB; at 8 MB a
 * consumer killed at the highest rates replays at most about a second (the store checkpoints every 2 s as well,
 * store.ts, which keeps it to tens of ms at a plant's rates). Lower costs the write path: 200,000 events in
 * batches of 1,000 took 8.6 us an event at 16 MB, 9.3 at 8 MB and 11.0-11.2 at 4 MB.
 */
export const CHECKPOINT_THRESHOLD = '8MB';

/** The name the database file is attached under. */
const CATALOG = 'seamline';

/** The instance and the connection that writes (and checks the layout); a file held by another process waits like a server store. */
export async function attachFile(
  path: string,
  readOnly: boolean,
  settings: Record<string, string> | undefined,
): Promise<{ instance: DuckDBInstance; writer: DuckDBConnection }> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let instance: DuckDBInstance | undefined;
  try {
    // One thread: on a small edge or line server the broker and the consumer need the other core, and
    // measured here it also cut the store's CPU per event (13.5 to 11.7 us). A 64 MB memory limit, with
    // the written blocks DuckDB caches let go every 30 s (trimCache). Not lower: the data not yet
    // checkpointed (up to about 40 MB) must fit, and at 32 MB the consumer stalled a minute into a soak,
    // every write failing. An allocator flush threshold, so native memory freed after a checkpoint goes
    // back to the OS instead of piling up.
    instance = await DuckDBInstance.create(':memory:', {
      threads: '1',
      memory_limit: DEFAULT_MEMORY_LIMIT,
      allocator_flush_threshold: '16MB',
      checkpoint_threshold: CHECKPOINT_THRESHOLD,
      // Where a query that outgrows the memory limit spills. The instance itself is in memory (the file
      // is attached, below), so DuckDB's default would be ./.tmp under whatever directory we started in.
      temp_directory: path === ':memory:' ? join(tmpdir(), `seamline-duckdb-${process.pid}`) : `${path}.tmp`,
      ...settings,
    });
    const writer = await instance.connect();
    // Attached rather than opened, because only ATTACH takes a row group size (see ROW_GROUP_SIZE).
    const mode = readOnly ? 'READ_ONLY' : `ROW_GROUP_SIZE ${ROW_GROUP_SIZE}`;
    await writer.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${CATALOG} (${mode})`);
    await writer.run(`USE ${CATALOG}`);
    return { instance, writer };
  } catch (cause) {
    instance?.closeSync();
    const message = (cause as Error).message;
    // Another process has the file (a consumer still stopping, a dashboard opened on it): it lets go in
    // time, so this is waited for like a server store that does not answer yet.
    const code = /Could not set lock on file/i.test(message) ? 'SEAM_ERR_STORE_UNAVAILABLE' : 'SEAM_ERR_CONFIG';
    throw new SeamError(code, `cannot open DuckDB file ${path}: ${message}`, { field: 'store.path', cause });
  }
}

/** Another connection on the instance, on the attached file. */
export async function connectTo(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const conn = await instance.connect();
  await conn.run(`USE ${CATALOG}`);
  return conn;
}

/** Whether the attached file has a table of that name in its main schema (a view does not count). */
export async function hasTable(conn: DuckDBConnection, table: string): Promise<boolean> {
  const rows = await conn.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE database_name = '${CATALOG}' AND schema_name = 'main' AND table_name = $table`,
    { table },
  );
  return Number(rows.getRows()[0][0]) > 0;
}

/** Files from before detections became a view hold a detections table; say so rather than fail obscurely. */
export async function refuseOldLayout(conn: DuckDBConnection, path: string): Promise<void> {
  if (await hasTable(conn, 'detections')) {
    throw new SeamError(
      'SEAM_ERR_CONFIG',
      `${path} was written by an older Seamline layout (a detections table); move it away and start again`,
      { field: 'store.path' },
    );
  }
}

/** For a writer: a file from before event_rows moved over, then every table, view and journal created that is missing. */
export async function completeLayout(conn: DuckDBConnection, path: string): Promise<void> {
  await migrateWideEvents(conn, path);
  for (const sql of [...DUCKDB_DDL, ...DUCKDB_ROLLUP_DDL, ...DUCKDB_STAGING_DDL]) await conn.run(sql);
}

/** A file from before event_rows (store/duckdb/schema.ts): its events move over, in one transaction, once. */
async function migrateWideEvents(conn: DuckDBConnection, path: string): Promise<void> {
  if (!(await hasTable(conn, 'events'))) return;
  try {
    await inTransaction(conn, async () => {
      for (const sql of [...DUCKDB_EVENT_TABLES, ...DUCKDB_MIGRATE_WIDE_EVENTS]) await conn.run(sql);
    });
  } catch (cause) {
    throw new SeamError('SEAM_ERR_CONFIG', `cannot move ${path} to the event_rows layout: ${(cause as Error).message}`, {
      field: 'store.path',
      cause,
    });
  }
}

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { cameraKey, SeamError, type DetectionV1, type StatusV1 } from '../../contract/index.ts';
import { DUCKDB_DDL, DUCKDB_EVENT_TABLES, DUCKDB_MIGRATE_WIDE_EVENTS, DUCKDB_STAGING_DDL } from './schema.ts';
import { DuckDbSources } from './sources.ts';
import { duckdbError } from './errors.ts';
import { inTransaction, rolledBack } from './transaction.ts';
import { DuckDbReader, ts } from './reader.ts';
import { CHUNK_ROWS, eventChunk } from './event-chunk.ts';
import { NewestPerCamera } from './newest-per-camera.ts';
import { probeEvent } from '../probe-event.ts';
import { DuckDbRepairLedger } from './repair-ledger.ts';
import { LedgerSlot, type RepairLedger } from '../repair-ledger.ts';
import { rollupEvents, type EventTimes } from '../rollups/batch.ts';
import { DUCKDB_ROLLUP_DDL, DuckDbRollups } from './rollups.ts';
import type { ConsumerSample, DeadLetter, DetectionStore, WriteResult } from '../store.ts';

export interface DuckDbStoreOptions {
  /** Database file, or ':memory:'. Only one process may open a file read-write. */
  path: string;
  /** Delete events older than this many days (checked hourly). 0 keeps everything. */
  retentionDays?: number;
  /** DuckDB configuration options (e.g. `{ threads: '1' }`), passed to the instance as they are. */
  settings?: Record<string, string>;
  /**
   * Open the file read-only (`seamline dashboard` on a file no consumer has open): no writes, no
   * compaction, no schema changes. DuckDB lets one process open a file read-write, or several read-only.
   */
  readOnly?: boolean;
}

const parseMs = (iso: string) => Date.parse(iso);

/**
 * Rows per row group, a quarter of DuckDB's default. A checkpoint recompresses the row group still being
 * filled, so with 122,880 rows each one was compressed several times over; at 32,768 the store's CPU per
 * event fell from 6.8 to 5.1 us (400,000 events in batches of 1,000) and the file came out a third smaller.
 */
const ROW_GROUP_SIZE = 32_768;
const DEFAULT_MEMORY_LIMIT = '64MB';
/** How often written blocks cached by DuckDB are let go (trimCache). */
const CACHE_TRIM_MS = 30_000;
const MIN_TRIM_LIMIT = 8 * 1048576;
/** Less than this cached is left alone. */
const MIN_TRIM_BYTES = 1048576;

/** Bytes in DuckDB's buffer pool: in all, and in blocks of the stored tables (what a trim can let go). */
async function cachedBlocks(conn: DuckDBConnection): Promise<{ total: number; blocks: number }> {
  const [total, blocks] = (
    await conn.runAndReadAll(
      `SELECT sum(memory_usage_bytes), coalesce(sum(memory_usage_bytes) FILTER (WHERE tag = 'BASE_TABLE'), 0) FROM duckdb_memory()`,
    )
  ).getRows()[0];
  return { total: Number(total), blocks: Number(blocks) };
}

/** The name the database file is attached under. */
const CATALOG = 'seamline';

/** Whether the attached file has a table of that name in its main schema (a view does not count). */
async function hasTable(conn: DuckDBConnection, table: string): Promise<boolean> {
  const rows = await conn.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE database_name = '${CATALOG}' AND schema_name = 'main' AND table_name = $table`,
    { table },
  );
  return Number(rows.getRows()[0][0]) > 0;
}
/**
 * How often the rollup journals are folded into the level tables (store/duckdb/rollups.ts). A compaction is a few
 * dozen statements whatever it folds, so not too often; readers add the journal, so nothing waits for it.
 */
const COMPACT_MS = 15_000;

/**
 * The embedded default store. Writes go through one connection, one batch at a time: late events are
 * looked up, the rest appended through data chunks in one transaction. The dashboard reads on another.
 */
export class DuckDbStore extends DuckDbReader implements DetectionStore {
  readonly name = 'duckdb';
  private instance: DuckDBInstance | undefined;
  private writer: DuckDBConnection | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private trimTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private readonly rollups = new DuckDbRollups();
  private writing: Promise<unknown> = Promise.resolve();
  /** Which events cannot be stored yet, so only late ones are looked up. */
  private readonly newest = new NewestPerCamera();
  private readonly sources = new DuckDbSources();

  constructor(private readonly options: DuckDbStoreOptions) {
    super();
  }

  async open(): Promise<void> {
    const { path } = this.options;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let writer: DuckDBConnection;
    try {
      // One thread: on a small edge or line server the broker and the consumer need the other core, and
      // measured here it also cut the store's CPU per event (13.5 to 11.7 us). A 64 MB memory limit, with
      // the written blocks DuckDB caches let go every 30 s (trimCache). Not lower: the data not yet
      // checkpointed (up to about 40 MB) must fit, and at 32 MB the consumer stalled a minute into a soak,
      // every write failing. An allocator flush threshold, so native memory freed after a checkpoint goes
      // back to the OS instead of piling up.
      this.instance = await DuckDBInstance.create(':memory:', {
        threads: '1',
        memory_limit: DEFAULT_MEMORY_LIMIT,
        allocator_flush_threshold: '16MB',
        // Where a query that outgrows the memory limit spills. The instance itself is in memory (the file
        // is attached, below), so DuckDB's default would be ./.tmp under whatever directory we started in.
        temp_directory: path === ':memory:' ? join(tmpdir(), `seamline-duckdb-${process.pid}`) : `${path}.tmp`,
        ...this.options.settings,
      });
      writer = await this.instance.connect();
      // Attached rather than opened, because only ATTACH takes a row group size (see ROW_GROUP_SIZE).
      const mode = this.options.readOnly ? 'READ_ONLY' : `ROW_GROUP_SIZE ${ROW_GROUP_SIZE}`;
      await writer.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${CATALOG} (${mode})`);
      await writer.run(`USE ${CATALOG}`);
    } catch (cause) {
      this.instance?.closeSync();
      this.instance = undefined;
      const message = (cause as Error).message;
      // Another process has the file (a consumer still stopping, a dashboard opened on it): it lets go in
      // time, so this is waited for like a server store that does not answer yet.
      const code = /Could not set lock on file/i.test(message) ? 'SEAM_ERR_STORE_UNAVAILABLE' : 'SEAM_ERR_CONFIG';
      throw new SeamError(code, `cannot open DuckDB file ${path}: ${message}`, { field: 'store.path', cause });
    }
    this.writer = writer;
    await this.refuseOldLayout(writer);
    const reader = await this.instance.connect();
    await reader.run(`USE ${CATALOG}`);
    this.attachReader(reader);
    if (this.options.readOnly) return;
    await this.migrateWideEvents(writer);
    for (const sql of [...DUCKDB_DDL, ...DUCKDB_ROLLUP_DDL, ...DUCKDB_STAGING_DDL]) await writer.run(sql);
    await this.rollups.load(writer);
    this.compactTimer = setInterval(() => void this.compactRollups().catch(() => {}), COMPACT_MS);
    this.compactTimer.unref();
    this.trimTimer = setInterval(() => void this.trimCache().catch(() => {}), CACHE_TRIM_MS);
    this.trimTimer.unref();
    const days = this.options.retentionDays ?? 0;
    if (days > 0) {
      this.retentionTimer = setInterval(() => void this.applyRetention(days).catch(() => {}), 3_600_000);
      this.retentionTimer.unref();
      await this.applyRetention(days);
    }
  }

  /** Another connection on the same file (alert state keeps its tables here: store/duckdb/alert-state.ts). */
  async connect(): Promise<DuckDBConnection> {
    if (!this.instance) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'duckdb store is not open', { field: 'store' });
    const conn = await this.instance.connect();
    await conn.run(`USE ${CATALOG}`);
    return conn;
  }

  private readonly ledger = new LedgerSlot(async () => new DuckDbRepairLedger(await this.connect(), this.options.readOnly));
  private ledgerSeen = false;

  /** The repair ledger (store/duckdb/repair-ledger.ts), on a connection of its own; closed with the store. */
  openRepairLedger(): Promise<RepairLedger> {
    return this.ledger.get();
  }

  async repairSummary(fromMs?: number, toMs?: number, staleBeforeMs?: number) {
    // Read-only, the ledger is the consumer's to create; until one has, there is none to read.
    if (this.options.readOnly && !this.ledgerSeen) {
      if (!this.writer) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'duckdb store is not open', { field: 'store' });
      if (!(await hasTable(this.writer, 'repair_ranges'))) return null;
      this.ledgerSeen = true;
    }
    return (await this.openRepairLedger()).summary(fromMs, toMs, staleBeforeMs);
  }

  /** Files from before detections became a view hold a detections table; say so rather than fail obscurely. */
  private async refuseOldLayout(conn: DuckDBConnection): Promise<void> {
    if (await hasTable(conn, 'detections')) {
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `${this.options.path} was written by an older Seamline layout (a detections table); move it away and start again`,
        { field: 'store.path' },
      );
    }
  }

  /** A file from before event_rows (store/duckdb/schema.ts): its events move over, in one transaction, once. */
  private async migrateWideEvents(conn: DuckDBConnection): Promise<void> {
    if (!(await hasTable(conn, 'events'))) return;
    try {
      await inTransaction(conn, async () => {
        for (const sql of [...DUCKDB_EVENT_TABLES, ...DUCKDB_MIGRATE_WIDE_EVENTS]) await conn.run(sql);
      });
    } catch (cause) {
      throw new SeamError('SEAM_ERR_CONFIG', `cannot move ${this.options.path} to the event_rows layout: ${(cause as Error).message}`, {
        field: 'store.path',
        cause,
      });
    }
  }

  private conn(): DuckDBConnection {
    if (this.options.readOnly) throw new SeamError('SEAM_ERR_CONFIG', `${this.options.path} is open read-only`, { field: 'store' });
    if (!this.writer) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'duckdb store is not open', { field: 'store' });
    return this.writer;
  }

  async write(events: readonly DetectionV1[], committedAt: Date, fresh?: number[]): Promise<WriteResult> {
    if (events.length === 0) return { events: 0, detections: 0, duplicates: 0 };
    // One write at a time: the "already stored?" check and the insert must not interleave with another batch.
    return this.serial(() => this.writeSerial(events, committedAt.getTime(), fresh));
  }

  /**
   * Everything on the writer connection runs one at a time: a status upsert or a compaction started while
   * a batch's transaction is open on the same connection would otherwise become part of it.
   */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Folds the rollup journals into the level tables (every few seconds, between writes). */
  compactRollups(): Promise<number> {
    return this.serial(() => this.rollups.compact(this.conn()));
  }

  /** A consumer's in-flight sample, for the health panel. */
  writeConsumerSample(sample: ConsumerSample): Promise<void> {
    return this.serial(() => this.rollups.recordConsumer(this.conn(), sample));
  }

  private async writeSerial(events: readonly DetectionV1[], committedMs: number, freshOut?: number[]): Promise<WriteResult> {
    const conn = this.conn();
    const unique = new Map<string, DetectionV1>();
    for (const e of events) if (!unique.has(e.event_id)) unique.set(e.event_id, e);
    const batch = [...unique.values()];
    // Parsed once here: the stored-id check, the newest mark and the row all need it.
    const captured = batch.map((e) => parseMs(e.captured_at));
    const cameras = batch.map((e) => cameraKey(e));
    try {
      const stored = await this.storedIds(conn, batch, captured, cameras);
      const fresh: DetectionV1[] = [];
      const freshCaptured: number[] = [];
      const freshCameras: string[] = [];
      for (let i = 0; i < batch.length; i++) {
        if (stored.has(batch[i].event_id)) continue;
        fresh.push(batch[i]);
        freshCaptured.push(captured[i]);
        freshCameras.push(cameras[i]);
      }
      let detections = 0;
      if (fresh.length > 0) {
        // The appender writes inside this transaction: a failure leaves nothing of the batch behind.
        detections = await inTransaction(conn, async () => {
          const times = { captured: freshCaptured, inferred: fresh.map((e) => parseMs(e.inferred_at)) };
          const sources = await this.sources.idsFor(conn, fresh, freshCameras);
          const boxes = await this.append(conn, fresh, sources, times, committedMs);
          // Only what this write stored: a redelivered event never reaches its rollups twice.
          await this.rollups.appendEvents(conn, rollupEvents(fresh, freshCameras, times, committedMs));
          return boxes;
        });
        for (let i = 0; i < fresh.length; i++) this.newest.record(freshCameras[i], freshCaptured[i], fresh[i].event_id);
      }
      freshOut?.push(...freshCaptured);
      return { events: fresh.length, detections, duplicates: events.length - fresh.length };
    } catch (cause) {
      // A failed COMMIT may still have landed: read the newest marks and the sources from the tables again.
      this.newest.forget();
      this.sources.forget();
      throw duckdbError('write', cause);
    }
  }

  /**
   * A commit's three writes (an event with its sources and rollups, a status, a dead letter) of known-good
   * rows in one transaction that is rolled back, on the writer connection between batches.
   */
  probe(): Promise<void> {
    return this.serial(async () => {
      const conn = this.conn();
      const now = Date.now();
      const event = probeEvent(now);
      const camera = cameraKey(event);
      const times = { captured: [now], inferred: [now] };
      const status: StatusV1 = {
        schema_version: 'status.v1',
        region: event.region,
        site: event.site,
        camera: event.camera,
        state: 'online',
        at: event.captured_at,
      };
      try {
        await rolledBack(conn, async () => {
          const sources = await this.sources.idsFor(conn, [event], [camera]);
          await this.append(conn, [event], sources, times, now);
          await this.rollups.appendEvents(conn, rollupEvents([event], [camera], times, now));
          await this.upsertStatus(status, new Date(now));
          await this.appendDeadLetters([
            { topic: 'probe', payload: Buffer.from('{}'), code: 'SEAM_ERR_MALFORMED_JSON', reason: 'probe', receivedAt: new Date(now) },
          ]);
        });
      } catch (cause) {
        throw duckdbError('probe', cause);
      } finally {
        // The probe's source id was rolled back with it.
        this.sources.forget();
      }
    });
  }

  /**
   * Which of these events are already stored. Only events captured no later than their camera's newest
   * stored one can be (NewestPerCamera); live traffic skips the lookup. For the rest, a redelivered event
   * carries its original captured_at, so only rows in their captured_at range can clash, and row-group
   * min/max pruning keeps this flat as the table grows. Safe without a lock because this process is the
   * file's only writer and writes one batch at a time.
   */
  private async storedIds(conn: DuckDBConnection, events: DetectionV1[], captured: number[], cameras: string[]): Promise<Set<string>> {
    if (!this.newest.known) {
      const rows = await conn.runAndReadAll(
        `SELECT region || '/' || site || '/' || camera, epoch_ms(max(captured_at)) FROM events GROUP BY ALL`,
      );
      this.newest.load(rows.getRows().map(([camera, ms]) => ({ camera: String(camera), ms: Number(ms) })));
    }
    let min = Infinity;
    let max = -Infinity;
    const late: DetectionV1[] = [];
    for (let i = 0; i < events.length; i++) {
      if (this.newest.isNew(cameras[i], captured[i], events[i].event_id)) continue;
      late.push(events[i]);
      if (captured[i] < min) min = captured[i];
      if (captured[i] > max) max = captured[i];
    }
    if (late.length === 0) return new Set();
    await conn.run('DELETE FROM stage_ids');
    const ids = await conn.createAppender('stage_ids', 'main', 'temp');
    try {
      for (const e of late) {
        ids.appendVarchar(e.event_id);
        ids.endRow();
      }
      ids.flushSync();
    } finally {
      ids.closeSync();
    }
    const result = await conn.runAndReadAll(
      `SELECT s.event_id FROM stage_ids s SEMI JOIN
         (SELECT event_id FROM event_rows WHERE captured_at BETWEEN $min AND $max) e ON s.event_id = e.event_id`,
      { min: ts(min), max: ts(max) },
    );
    return new Set(result.getRows().map((r) => String(r[0])));
  }

  /**
   * Through data chunks rather than value by value through the appender (store/duckdb/event-chunk.ts); the
   * appender's flush writes them into the transaction. Resolves with the boxes written.
   */
  private async append(
    conn: DuckDBConnection,
    events: DetectionV1[],
    sources: Int32Array<ArrayBuffer>,
    times: EventTimes,
    committedMs: number,
  ): Promise<number> {
    const app = await conn.createAppender('event_rows');
    let boxes = 0;
    try {
      for (let start = 0; start < events.length; start += CHUNK_ROWS) {
        app.appendDataChunk(eventChunk(events, sources, times, committedMs, start, Math.min(CHUNK_ROWS, events.length - start)));
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
    for (const e of events) boxes += e.detections.length;
    return boxes;
  }

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    return this.serial(() => this.appendDeadLetters(letters).catch((cause) => Promise.reject(duckdbError('dead-letter write', cause))));
  }

  private async appendDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    const app = await this.conn().createAppender('dead_letters');
    try {
      for (const l of letters) {
        app.appendTimestamp(ts(l.receivedAt.getTime()));
        app.appendVarchar(l.topic);
        app.appendVarchar(l.code);
        app.appendVarchar(l.reason);
        app.appendBlob(l.payload);
        app.endRow();
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  writeStatus(status: StatusV1, receivedAt: Date): Promise<void> {
    return this.serial(async () => {
      try {
        await this.rollups.recordStatus(this.conn(), status, receivedAt.getTime());
        await this.upsertStatus(status, receivedAt);
      } catch (cause) {
        throw duckdbError('status write', cause);
      }
    });
  }

  private async upsertStatus(status: StatusV1, receivedAt: Date): Promise<void> {
    await this.conn().run(`INSERT OR REPLACE INTO camera_status VALUES ($region, $site, $camera, $state, $at, $received, $body)`, {
      region: status.region,
      site: status.site,
      camera: status.camera,
      state: status.state,
      at: ts(parseMs(status.at)),
      received: ts(receivedAt.getTime()),
      body: JSON.stringify(status),
    });
  }

  /**
   * Lets go of the written blocks DuckDB keeps cached. It keeps every block it has written in its buffer
   * pool until the memory limit forces it out, so the consumer grew 3-6 MB a minute at 2,000 events/s for
   * its first ten-odd minutes; trimmed every 30 s it stayed level, about 100 MB lower. Lowering the limit
   * to what the pool holds besides those blocks evicts them (DuckDB refuses, harmlessly, if it cannot),
   * then the limit goes back. Runs between writes. Resolves with the cached bytes before and after.
   */
  async trimCache(): Promise<{ before: number; after: number }> {
    return this.serial(async () => {
      const conn = this.conn();
      const before = await cachedBlocks(conn);
      if (before.blocks < MIN_TRIM_BYTES) return { before: before.blocks, after: before.blocks };
      const target = Math.max(MIN_TRIM_LIMIT, before.total - before.blocks);
      const limit = this.options.settings?.memory_limit ?? DEFAULT_MEMORY_LIMIT;
      try {
        await conn.run(`SET memory_limit = '${Math.floor(target / 1024)}KB'`);
      } catch {
        // Not enough of the pool could be evicted: nothing changed, and the next trim tries again.
      } finally {
        await conn.run(`SET memory_limit = '${limit}'`);
      }
      return { before: before.blocks, after: (await cachedBlocks(conn)).blocks };
    });
  }

  private async applyRetention(days: number): Promise<void> {
    const cutoff = ts(Date.now() - days * 86_400_000);
    await this.conn().run('DELETE FROM event_rows WHERE captured_at < $cutoff', { cutoff });
  }

  async close(): Promise<void> {
    clearInterval(this.retentionTimer);
    clearInterval(this.trimTimer);
    await this.ledger.close();
    clearInterval(this.compactTimer);
    this.detachReader()?.closeSync();
    this.writer?.closeSync();
    this.writer = undefined;
    this.instance?.closeSync();
    this.instance = undefined;
  }
}

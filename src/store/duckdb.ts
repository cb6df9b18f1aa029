import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { SeamError, type DetectionV1, type StatusV1 } from '../contract/index.ts';
import { DUCKDB_DDL, DUCKDB_STAGING_DDL } from './duckdb-schema.ts';
import { DuckDbReader, ts } from './duckdb-reader.ts';
import type { DeadLetter, DetectionStore, WriteResult } from './store.ts';

export interface DuckDbStoreOptions {
  /** Database file, or ':memory:'. Only one process may open a file read-write. */
  path: string;
  /** Delete events older than this many days (checked hourly). 0 keeps everything. */
  retentionDays?: number;
  /** DuckDB configuration options (e.g. `{ threads: '1' }`), passed to the instance as they are. */
  settings?: Record<string, string>;
}

const parseMs = (iso: string) => Date.parse(iso);

/**
 * The embedded default store. Writes go through one connection (appender into temp staging tables,
 * then one transaction of INSERT ... SELECT with an anti-join); the dashboard reads on another.
 */
export class DuckDbStore extends DuckDbReader implements DetectionStore {
  readonly name = 'duckdb';
  private instance: DuckDBInstance | undefined;
  private writer: DuckDBConnection | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private writing: Promise<unknown> = Promise.resolve();
  /** Newest captured_at stored, epoch ms: a batch captured entirely after it cannot hold a stored event. */
  private newestStoredMs = -Infinity;
  /** Set after a failed write, whose outcome we cannot be sure of: re-read newestStoredMs from the table. */
  private newestStale = true;

  constructor(private readonly options: DuckDbStoreOptions) {
    super();
  }

  async open(): Promise<void> {
    if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
    try {
      // One thread: on a small edge or line server the broker and the consumer need the other core, and
      // measured here it also cut the store's CPU per event (13.5 to 11.7 us). A memory limit, so DuckDB
      // never caches most of RAM for a table that only grows. An allocator flush threshold: the consumer's
      // RSS kept climbing (208 to 302 MB in 150 s at 2,000 events/s) while the V8 heap and DuckDB's buffers
      // stayed flat, i.e. freed native memory after checkpoints was never returned; with it, RSS goes up
      // and back down (195-255 MB over the same run).
      this.instance = await DuckDBInstance.create(this.options.path, {
        threads: '1',
        memory_limit: '256MB',
        allocator_flush_threshold: '16MB',
        ...this.options.settings,
      });
    } catch (cause) {
      throw new SeamError('SEAM_ERR_CONFIG', `cannot open DuckDB file ${this.options.path}: ${(cause as Error).message}`, {
        field: 'store.path',
        cause,
      });
    }
    this.writer = await this.instance.connect();
    await this.refuseOldLayout(this.writer);
    for (const sql of [...DUCKDB_DDL, ...DUCKDB_STAGING_DDL]) await this.writer.run(sql);
    this.attachReader(await this.instance.connect());
    const days = this.options.retentionDays ?? 0;
    if (days > 0) {
      this.retentionTimer = setInterval(() => void this.applyRetention(days).catch(() => {}), 3_600_000);
      this.retentionTimer.unref();
      await this.applyRetention(days);
    }
  }

  /** Files from before detections became a view hold a detections table; say so rather than fail obscurely. */
  private async refuseOldLayout(conn: DuckDBConnection): Promise<void> {
    const rows = await conn.runAndReadAll(
      `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'detections' AND schema_name = 'main'`,
    );
    if (Number(rows.getRows()[0][0]) > 0) {
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `${this.options.path} was written by an older Seamline layout (a detections table); move it away and start again`,
        { field: 'store.path' },
      );
    }
  }

  private conn(): DuckDBConnection {
    if (!this.writer) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'duckdb store is not open', { field: 'store' });
    return this.writer;
  }

  async write(events: readonly DetectionV1[], committedAt: Date): Promise<WriteResult> {
    if (events.length === 0) return { events: 0, detections: 0, duplicates: 0 };
    // One write at a time: the "already stored?" check and the insert must not interleave with another batch.
    const run = this.writing.then(() => this.writeSerial(events, committedAt.getTime()));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async writeSerial(events: readonly DetectionV1[], committedMs: number): Promise<WriteResult> {
    const conn = this.conn();
    const unique = new Map<string, DetectionV1>();
    for (const e of events) if (!unique.has(e.event_id)) unique.set(e.event_id, e);
    try {
      const stored = await this.storedIds(conn, [...unique.values()]);
      const fresh = [...unique.values()].filter((e) => !stored.has(e.event_id));
      let detections = 0;
      if (fresh.length > 0) {
        // The appenders write inside this transaction: a failure leaves nothing of the batch behind.
        await conn.run('BEGIN TRANSACTION');
        try {
          detections = await this.append(conn, fresh, committedMs);
          await conn.run('COMMIT');
          for (const e of fresh) this.newestStoredMs = Math.max(this.newestStoredMs, parseMs(e.captured_at));
        } catch (err) {
          await conn.run('ROLLBACK').catch(() => {});
          throw err;
        }
      }
      return { events: fresh.length, detections, duplicates: events.length - fresh.length };
    } catch (cause) {
      this.newestStale = true;
      throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', `duckdb write failed: ${(cause as Error).message}`, {
        field: 'store',
        cause,
      });
    }
  }

  /**
   * Which of these events are already stored. A redelivered event carries its original captured_at, so
   * only rows in the batch's captured_at range can clash, and row-group min/max pruning keeps this flat
   * as the table grows. Safe without a lock because this process is the file's only writer and writes
   * one batch at a time.
   */
  private async storedIds(conn: DuckDBConnection, events: DetectionV1[]): Promise<Set<string>> {
    let min = Infinity;
    let max = -Infinity;
    for (const e of events) {
      const captured = parseMs(e.captured_at);
      if (captured < min) min = captured;
      if (captured > max) max = captured;
    }
    if (this.newestStale) {
      const newest = (await conn.runAndReadAll('SELECT epoch_ms(max(captured_at)) FROM events')).getRows()[0][0];
      this.newestStoredMs = newest === null ? -Infinity : Number(newest);
      this.newestStale = false;
    }
    // Live traffic: the whole batch was captured after the newest stored event, so none of it can be
    // stored yet. Sound because this process is the file's only writer and records every commit below.
    if (min > this.newestStoredMs) return new Set();
    await conn.run('DELETE FROM stage_ids');
    const ids = await conn.createAppender('stage_ids', 'main', 'temp');
    try {
      for (const e of events) {
        ids.appendVarchar(e.event_id);
        ids.endRow();
      }
      ids.flushSync();
    } finally {
      ids.closeSync();
    }
    const result = await conn.runAndReadAll(
      `SELECT s.event_id FROM stage_ids s SEMI JOIN
         (SELECT event_id FROM events WHERE captured_at BETWEEN $min AND $max) e ON s.event_id = e.event_id`,
      { min: ts(min), max: ts(max) },
    );
    return new Set(result.getRows().map((r) => String(r[0])));
  }

  private async append(conn: DuckDBConnection, events: DetectionV1[], committedMs: number): Promise<number> {
    const app = await conn.createAppender('events');
    let boxes = 0;
    try {
      for (const e of events) {
        appendEvent(app, e, parseMs(e.captured_at), parseMs(e.inferred_at), committedMs);
        boxes += e.detections.length;
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
    return boxes;
  }

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
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

  async writeStatus(status: StatusV1, receivedAt: Date): Promise<void> {
    await this.conn().run(
      `INSERT OR REPLACE INTO camera_status VALUES ($region, $site, $camera, $state, $at, $received, $body)`,
      {
        region: status.region,
        site: status.site,
        camera: status.camera,
        state: status.state,
        at: ts(parseMs(status.at)),
        received: ts(receivedAt.getTime()),
        body: JSON.stringify(status),
      },
    );
  }

  private async applyRetention(days: number): Promise<void> {
    const cutoff = ts(Date.now() - days * 86_400_000);
    await this.conn().run('DELETE FROM events WHERE captured_at < $cutoff', { cutoff });
  }

  async close(): Promise<void> {
    clearInterval(this.retentionTimer);
    this.detachReader()?.closeSync();
    this.writer?.closeSync();
    this.writer = undefined;
    this.instance?.closeSync();
    this.instance = undefined;
  }
}

function appendEvent(app: DuckDBAppender, e: DetectionV1, captured: number, inferred: number, committed: number) {
  app.appendVarchar(e.event_id);
  app.appendVarchar(e.region);
  app.appendVarchar(e.site);
  app.appendVarchar(e.camera);
  app.appendBigInt(BigInt(e.seq));
  app.appendTimestamp(ts(captured));
  app.appendTimestamp(ts(inferred));
  app.appendTimestamp(ts(committed));
  app.appendVarchar(e.model.name);
  app.appendVarchar(e.model.version);
  app.appendInteger(e.frame.width);
  app.appendInteger(e.frame.height);
  app.appendInteger(e.detections.length);
  app.appendVarchar(JSON.stringify(e.detections));
  app.endRow();
}

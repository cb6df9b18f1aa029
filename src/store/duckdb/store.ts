import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { cameraKey, SeamError, type DetectionV1, type StatusV1 } from '../../contract/index.ts';
import type { StoreCapabilities } from '../capabilities.ts';
import { probeEvent } from '../probe-event.ts';
import { LedgerSlot } from '../repair-ledger.ts';
import type { AlertCounts } from '../reader.ts';
import type { SqlPanelReader } from '../sql/panel-sql.ts';
import { SqlShiftCounts } from '../sql/shift-sql.ts';
import type { ConsumerSample, DeadLetter, DetectionStore, WriteResult } from '../store.ts';
import { DuckDbAlertState, LOCAL_LOCK } from './alert-state.ts';
import { attachFile, completeLayout, connectTo, DEFAULT_MEMORY_LIMIT, hasTable, refuseOldLayout } from './attach.ts';
import { duckdbError } from './errors.ts';
import { DuckDbEventWriter } from './event-writer.ts';
import { DuckDbReader, ts } from './reader.ts';
import { DuckDbRepairLedger } from './repair-ledger.ts';
import { DuckDbRollups } from './rollups.ts';
import { rolledBack } from './transaction.ts';

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

/** How often written blocks cached by DuckDB are let go (trimCache). */
const CACHE_TRIM_MS = 30_000;
const MIN_TRIM_LIMIT = 8 * 1048576;
/** Less than this cached is left alone. */
const MIN_TRIM_BYTES = 1048576;
/**
 * How often the rollup journals are folded into the level tables (store/duckdb/rollups.ts). A compaction is a few
 * dozen statements whatever it folds, so not too often; readers add the journal, so nothing waits for it.
 */
const COMPACT_MS = 15_000;
/**
 * How often a file written since is checkpointed, besides DuckDB's own checkpoint at CHECKPOINT_THRESHOLD of log
 * (attach.ts). A SIGKILL leaves the log since the last checkpoint to be replayed before a restart can commit,
 * so at a plant's rates this bounds the replay to a couple of seconds' worth: a consumer killed at 1,000
 * events/s replayed 190-790 ms of log with a 4 MB threshold alone (0.5-4 MB of log), tens of ms with this.
 * A store busier than CHECKPOINT_BUSY events an interval reaches the threshold within seconds anyway and is
 * left to it: checkpointing it every 2 s as well cost bench consumer a tenth of its ratio (0.86-0.88 against 0.96).
 */
const CHECKPOINT_MS = 2_000;
const CHECKPOINT_BUSY = 10_000;

/** Bytes in DuckDB's buffer pool: in all, and in blocks of the stored tables (what a trim can let go). */
async function cachedBlocks(conn: DuckDBConnection): Promise<{ total: number; blocks: number }> {
  const [total, blocks] = (
    await conn.runAndReadAll(
      `SELECT sum(memory_usage_bytes), coalesce(sum(memory_usage_bytes) FILTER (WHERE tag = 'BASE_TABLE'), 0) FROM duckdb_memory()`,
    )
  ).getRows()[0];
  return { total: Number(total), blocks: Number(blocks) };
}

/**
 * The embedded default store. Writes go through one connection, one batch at a time: late events are
 * looked up, the rest appended through data chunks in one transaction (event-writer.ts). The dashboard
 * reads on another (reader.ts). It keeps everything a store can (capabilities.ts) in the same file.
 */
export class DuckDbStore extends DuckDbReader implements DetectionStore {
  readonly name = 'duckdb';
  private instance: DuckDBInstance | undefined;
  private writer: DuckDBConnection | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private trimTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  /** Events written since the last checkpoint (checkpoint()). */
  private unsaved = 0;
  private readonly rollups = new DuckDbRollups();
  private readonly events = new DuckDbEventWriter(this.rollups);
  private writing: Promise<unknown> = Promise.resolve();

  /** The repair ledger (store/duckdb/repair-ledger.ts), on a connection of its own; closed with the store. */
  private readonly ledger = new LedgerSlot(
    async () => new DuckDbRepairLedger(await this.connect(), this.options.readOnly),
    // Read-only, the ledger is the consumer's to create: there is one once its table is there.
    async () => !this.options.readOnly || hasTable(this.attached(), 'repair_ranges'),
  );

  readonly capabilities: StoreCapabilities & {
    panels: SqlPanelReader;
    alertCounts: AlertCounts;
    repairLedger: LedgerSlot;
    shiftCounts: SqlShiftCounts;
  };

  constructor(private readonly options: DuckDbStoreOptions) {
    super();
    this.capabilities = {
      panels: this.panels,
      alertCounts: this,
      repairLedger: this.ledger,
      shiftCounts: new SqlShiftCounts(this.panels.d, 'main'),
      // In the same file, on connections of its own. One process can open the file, so that process is the
      // only possible engine: always leader.
      alertState: () => ({ state: new DuckDbAlertState(() => this.connect()), lock: LOCAL_LOCK }),
    };
  }

  async open(): Promise<void> {
    const { path, readOnly = false } = this.options;
    const { instance, writer } = await attachFile(path, readOnly, this.options.settings);
    this.instance = instance;
    this.writer = writer;
    await refuseOldLayout(writer, path);
    this.attachReader(await connectTo(instance));
    if (readOnly) return;
    await completeLayout(writer, path);
    await this.rollups.load(writer);
    this.compactTimer = setInterval(() => void this.compactRollups().catch(() => {}), COMPACT_MS);
    this.compactTimer.unref();
    this.trimTimer = setInterval(() => void this.trimCache().catch(() => {}), CACHE_TRIM_MS);
    this.trimTimer.unref();
    this.checkpointTimer = setInterval(() => void this.checkpoint().catch(() => {}), CHECKPOINT_MS);
    this.checkpointTimer.unref();
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
    return connectTo(this.instance);
  }

  /** The writer connection, read-only or not. */
  private attached(): DuckDBConnection {
    if (!this.writer) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'duckdb store is not open', { field: 'store' });
    return this.writer;
  }

  /** The writer connection, for writing. */
  private conn(): DuckDBConnection {
    if (this.options.readOnly) throw new SeamError('SEAM_ERR_CONFIG', `${this.options.path} is open read-only`, { field: 'store' });
    return this.attached();
  }

  async write(events: readonly DetectionV1[], committedAt: Date, fresh?: number[]): Promise<WriteResult> {
    if (events.length === 0) return { events: 0, detections: 0, duplicates: 0 };
    this.unsaved += events.length;
    // One write at a time: the "already stored?" check and the insert must not interleave with another batch.
    return this.serial(() => this.events.write(this.conn(), events, committedAt.getTime(), fresh));
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

  /**
   * A commit's three writes (an event with its sources and rollups, a status, a dead letter) of known-good
   * rows in one transaction that is rolled back, on the writer connection between batches.
   */
  probe(): Promise<void> {
    return this.serial(async () => {
      const conn = this.conn();
      const now = Date.now();
      const event = probeEvent(now);
      const status: StatusV1 = {
        schema_version: 'status.v1',
        region: event.region,
        site: event.site,
        camera: event.camera,
        state: 'online',
        at: event.captured_at,
      };
      const letter: DeadLetter = {
        id: 'probe',
        topic: 'probe',
        payload: Buffer.from('{}'),
        code: 'SEAM_ERR_MALFORMED_JSON',
        reason: 'probe',
        receivedAt: new Date(now),
      };
      try {
        await rolledBack(conn, async () => {
          await this.events.appendFresh(conn, [event], [cameraKey(event)], [now], now);
          await this.events.upsertStatus(conn, status, new Date(now));
          await this.events.appendDeadLetters(conn, [letter]);
        });
      } catch (cause) {
        throw duckdbError('probe', cause);
      } finally {
        // The probe's source id was rolled back with it.
        this.events.forgetSources();
      }
    });
  }

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    return this.serial(() =>
      this.events.appendDeadLetters(this.conn(), letters).catch((cause) => Promise.reject(duckdbError('dead-letter write', cause))),
    );
  }

  writeStatus(status: StatusV1, receivedAt: Date): Promise<void> {
    return this.serial(async () => {
      try {
        await this.rollups.recordStatus(this.conn(), status, receivedAt.getTime());
        await this.events.upsertStatus(this.conn(), status, receivedAt);
      } catch (cause) {
        throw duckdbError('status write', cause);
      }
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

  /**
   * Writes the log into the file (CHECKPOINT) when events were written since the last one, unless more than
   * CHECKPOINT_BUSY were (DuckDB's threshold checkpoints a store that busy). True if it ran.
   */
  async checkpoint(): Promise<boolean> {
    const unsaved = this.unsaved;
    this.unsaved = 0;
    if (unsaved === 0 || unsaved > CHECKPOINT_BUSY) return false;
    return this.serial(async () => {
      try {
        await this.conn().run('CHECKPOINT');
      } catch (err) {
        this.unsaved += unsaved;
        throw err;
      }
      return true;
    });
  }

  async close(): Promise<void> {
    clearInterval(this.checkpointTimer);
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

import pg from 'pg';
import { SeamError, type DetectionV1, type StatusV1 } from '../../contract/index.ts';
import type { StoreCapabilities } from '../capabilities.ts';
import { probeEvent } from '../probe-event.ts';
import type { AlertCounts } from '../reader.ts';
import { LedgerSlot } from '../repair-ledger.ts';
import type { SqlPanelReader } from '../sql/panel-sql.ts';
import { SqlShiftCounts } from '../sql/shift-sql.ts';
import type { ConsumerSample, DeadLetter, DetectionStore, WriteResult } from '../store.ts';
import { PostgresAlertLock, PostgresAlertState } from './alert-state.ts';
import { describeTarget, pgError } from './errors.ts';
import { PostgresReader } from './reader.ts';
import { PostgresRepairLedger } from './repair-ledger.ts';
import { clockColumns, consumerSampleSql } from './rollups.ts';
import { createSchema, quoteIdent } from './schema.ts';
import { batchStatement, deadLetterStatement, statusStatement } from './statements.ts';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db`; or give `pool` options instead (or as well: they win). */
  url?: string;
  /** node-postgres pool options (host, user, password, ssl, max...). */
  pool?: pg.PoolConfig;
  /** Injected for tests that count calls; defaults to `new pg.Pool(config)`. */
  poolFactory?: (config: pg.PoolConfig) => pg.Pool;
  /** Schema the tables live in (created when missing). Default `public`. */
  schema?: string;
  /** Delete rows older than this many days (checked hourly). 0 keeps everything. */
  retentionDays?: number;
  /**
   * `auto` (default): hypertables when the timescaledb extension can be enabled, plain tables otherwise;
   * `require`: fail to open without it; `off`: plain tables.
   */
  timescale?: 'auto' | 'require' | 'off';
  /** Only read (`seamline dashboard`): no tables created, so a read-only database role is enough. */
  readOnly?: boolean;
  /**
   * work_mem of the store's sessions (default `64MB`; `''` keeps the server's). A batch of tens of thousands
   * of events passes PostgreSQL's default of 4MB inside the batch statement, which then took 2 to 3 times as
   * long per event (store/postgres/batch.ts); the memory is taken only while a statement needs it.
   */
  workMem?: string;
}

/**
 * PostgreSQL 15 / TimescaleDB store. A batch is ONE statement (so one transaction and one round trip):
 * the events and detections travel as parallel arrays through unnest(), and INSERT ... ON CONFLICT DO
 * NOTHING on the identity indexes drops what is already there, whichever consumer wrote it.
 */
export class PostgresStore extends PostgresReader implements DetectionStore {
  readonly name = 'postgres';
  /**
   * Two batches at once: the server works on one (one backend, one core) while the consumer sends the next.
   * bench consumer --store postgres, 2026-12-07: ratio 0.51 with one, 0.60-0.64 with two (three: no better).
   */
  readonly concurrentWrites = 2;
  private pool: pg.Pool | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private hypertables = false;
  readonly capabilities: StoreCapabilities & {
    panels: SqlPanelReader;
    alertCounts: AlertCounts;
    repairLedger: LedgerSlot;
    shiftCounts: SqlShiftCounts;
  };

  constructor(private readonly options: PostgresStoreOptions) {
    super();
    this.schemaName = options.schema ?? 'public';
    try {
      quoteIdent(this.schemaName);
    } catch {
      throw new SeamError('SEAM_ERR_CONFIG', `store.schema must be a lowercase SQL identifier, got ${JSON.stringify(this.schemaName)}`, {
        field: 'store.schema',
      });
    }
    if (!options.url && !options.pool) {
      throw new SeamError('SEAM_ERR_CONFIG', 'postgres store needs store.url or pool options', { field: 'store.url' });
    }
    this.target = describeTarget(options.url, `${options.pool?.host ?? 'localhost'}:${options.pool?.port ?? 5432}`);
    const { url, schema } = options;
    this.capabilities = {
      panels: this.panels,
      alertCounts: this,
      repairLedger: this.ledger,
      shiftCounts: new SqlShiftCounts(this.panels.d, this.schemaName),
      // In the same database, with an advisory lock on who notifies, on connections of their own from the URL.
      alertState: url ? () => ({ state: new PostgresAlertState({ url, schema }), lock: new PostgresAlertLock(url, schema) }) : null,
    };
  }

  /** True when events and detections are TimescaleDB hypertables. Known after open(). */
  get usesHypertables(): boolean {
    return this.hypertables;
  }

  async open(): Promise<void> {
    const workMem = this.options.workMem ?? '64MB';
    // work_mem as a startup parameter of every connection: set before the session runs anything, no query of its own.
    const session = workMem ? { options: `-c work_mem=${workMem}` } : {};
    const config: pg.PoolConfig = { connectionString: this.options.url, connectionTimeoutMillis: 5_000, ...session, ...this.options.pool };
    const pool = (this.options.poolFactory ?? ((c) => new pg.Pool(c)))(config);
    // An idle client whose server went away emits 'error'; unhandled it would crash the consumer. The
    // next query gets a fresh connection or a classified error instead.
    pool.on('error', () => {});
    if (this.options.readOnly) {
      this.pool = pool;
      this.attachReader(pool);
      return;
    }
    try {
      const client = await pool.connect();
      try {
        this.hypertables = await createSchema(client, this.schemaName, this.options.timescale ?? 'auto', this.target);
      } finally {
        client.release();
      }
    } catch (cause) {
      await pool.end().catch(() => {});
      throw cause instanceof SeamError ? cause : pgError('open', this.target, cause);
    }
    this.pool = pool;
    this.attachReader(pool);
    const days = this.options.retentionDays ?? 0;
    if (days > 0) {
      this.retentionTimer = setInterval(() => void this.applyRetention().catch(() => {}), 3_600_000);
      this.retentionTimer.unref();
      await this.applyRetention();
    }
  }

  /** The repair ledger (store/postgres/repair-ledger.ts) on this store's pool, shared by every consumer. */
  private readonly ledger = new LedgerSlot(
    () => new PostgresRepairLedger(this.db(), this.schemaName, this.target, this.options.readOnly),
    // Read-only (no tables created, a read-only role is enough), the ledger is the consumer's to create:
    // there is one once its table is there.
    () => (this.options.readOnly ? this.hasTable('repair_ranges') : Promise.resolve(true)),
  );

  private async hasTable(table: string): Promise<boolean> {
    try {
      return (await this.db().query(`SELECT to_regclass($1) IS NOT NULL AS found`, [`${this.schemaName}.${table}`])).rows[0].found === true;
    } catch (cause) {
      throw pgError('repair ledger', this.target, cause);
    }
  }

  private db(): pg.Pool {
    if (!this.pool) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'postgres store is not open', { field: 'store' });
    return this.pool;
  }

  async write(events: readonly DetectionV1[], committedAt: Date, fresh?: number[]): Promise<WriteResult> {
    if (events.length === 0) return { events: 0, detections: 0, duplicates: 0 };
    const pool = this.db();
    try {
      const result = await pool.query(...batchStatement((table) => this.t(table), events, committedAt));
      const newEvents = Number(result.rows[0].events);
      for (const ms of result.rows[0].captured as string[]) fresh?.push(Number(ms));
      return { events: newEvents, detections: Number(result.rows[0].detections), duplicates: events.length - newEvents };
    } catch (cause) {
      throw pgError('write', this.target, cause);
    }
  }

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    try {
      await this.db().query(...deadLetterStatement((table) => this.t(table), letters));
    } catch (cause) {
      throw pgError('dead-letter write', this.target, cause);
    }
  }

  /** The latest status, a status-log row on a change of state, and the heartbeat rollups (store/postgres/rollups.ts). */
  async writeStatus(status: StatusV1, receivedAt: Date): Promise<void> {
    try {
      await this.db().query(...statusStatement((table) => this.t(table), status, receivedAt));
    } catch (cause) {
      throw pgError('status write', this.target, cause);
    }
  }

  /**
   * The three writes a commit makes (an event with its rollups, a status, a dead letter), of known-good
   * rows, in one transaction that is rolled back: the same tables, types and privileges, and no trace.
   */
  async probe(): Promise<void> {
    const now = new Date();
    const event = probeEvent(now.getTime());
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
      topic: 'vision/seamline/probe/probe/detection',
      payload: Buffer.from('{}'),
      code: 'SEAM_ERR_MALFORMED_JSON',
      reason: 'probe',
      receivedAt: now,
    };
    let client: pg.PoolClient;
    try {
      client = await this.db().connect();
    } catch (cause) {
      throw pgError('probe', this.target, cause);
    }
    try {
      await client.query('BEGIN');
      const t = (table: string) => this.t(table);
      await client.query(...batchStatement(t, [event], now));
      await client.query(...statusStatement(t, status, now));
      await client.query(...deadLetterStatement(t, [letter]));
    } catch (cause) {
      throw pgError('probe', this.target, cause);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }

  async writeConsumerSample(sample: ConsumerSample): Promise<void> {
    try {
      await this.db().query(
        consumerSampleSql((table) => this.t(table)),
        [sample.consumer, sample.atMs, sample.inFlight, sample.pending, ...clockColumns(sample.cameras)],
      );
    } catch (cause) {
      throw pgError('consumer sample write', this.target, cause);
    }
  }

  /**
   * Deletes events, detections and dead letters older than retentionDays before `nowMs`. On hypertables
   * whole old chunks are dropped first (cheap), then the rows left in the chunk that straddles the cutoff.
   */
  async applyRetention(nowMs = Date.now()): Promise<{ events: number; detections: number; deadLetters: number }> {
    const days = this.options.retentionDays ?? 0;
    if (days <= 0) return { events: 0, detections: 0, deadLetters: 0 };
    const cutoff = new Date(nowMs - days * 86_400_000).toISOString();
    const pool = this.db();
    try {
      if (this.hypertables) {
        for (const table of ['events', 'detections']) {
          await pool.query(`SELECT drop_chunks($1::regclass, older_than => $2::timestamptz)`, [`${this.schemaName}.${table}`, cutoff]);
        }
      }
      const events = await pool.query(`DELETE FROM ${this.t('events')} WHERE captured_at < $1`, [cutoff]);
      const detections = await pool.query(`DELETE FROM ${this.t('detections')} WHERE captured_at < $1`, [cutoff]);
      const dead = await pool.query(`DELETE FROM ${this.t('dead_letters')} WHERE received_at < $1`, [cutoff]);
      return { events: events.rowCount ?? 0, detections: detections.rowCount ?? 0, deadLetters: dead.rowCount ?? 0 };
    } catch (cause) {
      throw pgError('retention', this.target, cause);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.retentionTimer);
    await this.ledger.close();
    this.detachReader();
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end().catch(() => {});
  }
}

import pg from 'pg';
import { SeamError, type DetectionV1, type StatusV1 } from '../../contract/index.ts';
import { describeTarget, pgError } from './errors.ts';
import { PostgresReader } from './reader.ts';
import { probeEvent } from '../probe-event.ts';
import { postgresDdl, quoteIdent } from './schema.ts';
import { insertBatchSql, toColumns } from './batch.ts';
import { PostgresRepairLedger } from './repair-ledger.ts';
import { LedgerSlot, type RepairLedger } from '../repair-ledger.ts';
import { clockColumns, consumerSampleSql, statusSql } from './rollups.ts';
import type { ConsumerSample, DeadLetter, DetectionStore, WriteResult } from '../store.ts';

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
}

/**
 * PostgreSQL 15 / TimescaleDB store. A batch is ONE statement (so one transaction and one round trip):
 * the events and detections travel as parallel arrays through unnest(), and INSERT ... ON CONFLICT DO
 * NOTHING on the identity indexes drops what is already there, whichever consumer wrote it.
 */
export class PostgresStore extends PostgresReader implements DetectionStore {
  readonly name = 'postgres';
  private pool: pg.Pool | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private hypertables = false;

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
  }

  /** True when events and detections are TimescaleDB hypertables. Known after open(). */
  get usesHypertables(): boolean {
    return this.hypertables;
  }

  async open(): Promise<void> {
    const config: pg.PoolConfig = { connectionString: this.options.url, connectionTimeoutMillis: 5_000, ...this.options.pool };
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
        await client.query('BEGIN');
        // Two consumers starting together must not race on CREATE ... IF NOT EXISTS.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('seamline.schema.' || $1))`, [this.schemaName]);
        this.hypertables = await this.decideHypertables(client);
        for (const sql of postgresDdl(this.schemaName, this.hypertables)) await client.query(sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
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

  private async decideHypertables(client: pg.PoolClient): Promise<boolean> {
    const mode = this.options.timescale ?? 'auto';
    if (mode === 'off') return false;
    const available = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
    if (available.rowCount) {
      // CREATE EXTENSION fails when timescaledb is not in shared_preload_libraries; a savepoint keeps the
      // transaction usable so `auto` can fall back to plain tables.
      await client.query('SAVEPOINT ts');
      try {
        await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
        await client.query('RELEASE SAVEPOINT ts');
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT ts');
      }
    }
    const enabled = (await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`)).rowCount === 1;
    if (!enabled) {
      if (mode === 'require') {
        throw new SeamError('SEAM_ERR_CONFIG', `timescaledb extension is not available on ${this.target}`, { field: 'store.timescale' });
      }
      return false;
    }
    // Existing plain tables stay plain: converting a full table is an operator's decision, not a start-up side effect.
    const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [`${this.schemaName}.events`]);
    if (!exists.rows[0].found) return true;
    const hyper = await client.query(
      `SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 AND hypertable_name = 'events'`,
      [this.schemaName],
    );
    return hyper.rowCount === 1;
  }

  private readonly ledger = new LedgerSlot(() => new PostgresRepairLedger(this.db(), this.schemaName, this.target, this.options.readOnly));
  private ledgerSeen = false;

  /** The repair ledger (store/postgres/repair-ledger.ts) on this store's pool, shared by every consumer. */
  openRepairLedger(): Promise<RepairLedger> {
    return this.ledger.get();
  }

  async repairSummary(fromMs?: number, toMs?: number, staleBeforeMs?: number) {
    // Read-only (no tables created, a read-only role is enough), the ledger is the consumer's to create;
    // until one has, there is none to read.
    if (this.options.readOnly && !this.ledgerSeen) {
      let found: boolean;
      try {
        found =
          (await this.db().query(`SELECT to_regclass($1) IS NOT NULL AS found`, [`${this.schemaName}.repair_ranges`])).rows[0].found ===
          true;
      } catch (cause) {
        throw pgError('repair ledger', this.target, cause);
      }
      if (!found) return null;
      this.ledgerSeen = true;
    }
    return (await this.openRepairLedger()).summary(fromMs, toMs, staleBeforeMs);
  }

  private db(): pg.Pool {
    if (!this.pool) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'postgres store is not open', { field: 'store' });
    return this.pool;
  }

  async write(events: readonly DetectionV1[], committedAt: Date, fresh?: number[]): Promise<WriteResult> {
    if (events.length === 0) return { events: 0, detections: 0, duplicates: 0 };
    const pool = this.db();
    try {
      const result = await pool.query(...this.batchQuery(events, committedAt));
      const newEvents = Number(result.rows[0].events);
      for (const ms of result.rows[0].captured as string[]) fresh?.push(Number(ms));
      return { events: newEvents, detections: Number(result.rows[0].detections), duplicates: events.length - newEvents };
    } catch (cause) {
      throw pgError('write', this.target, cause);
    }
  }

  private batchQuery(events: readonly DetectionV1[], committedAt: Date): [string, unknown[]] {
    const columns = toColumns(events, committedAt.getTime());
    return [
      insertBatchSql((table) => this.t(table)),
      [...columns.events, committedAt.toISOString(), ...columns.detections, ...columns.rollup],
    ];
  }

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    try {
      await this.db().query(...this.deadLetterQuery(letters));
    } catch (cause) {
      throw pgError('dead-letter write', this.target, cause);
    }
  }

  private deadLetterQuery(letters: readonly DeadLetter[]): [string, unknown[]] {
    return [
      `INSERT INTO ${this.t('dead_letters')} (received_at, topic, code, reason, payload)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::bytea[])`,
      [
        letters.map((l) => l.receivedAt.toISOString()),
        letters.map((l) => l.topic),
        letters.map((l) => l.code),
        letters.map((l) => l.reason),
        letters.map((l) => l.payload),
      ],
    ];
  }

  /** The latest status, a status-log row on a change of state, and the heartbeat rollups (store/postgres/rollups.ts). */
  async writeStatus(status: StatusV1, receivedAt: Date): Promise<void> {
    try {
      await this.db().query(...this.statusQuery(status, receivedAt));
    } catch (cause) {
      throw pgError('status write', this.target, cause);
    }
  }

  private statusQuery(s: StatusV1, receivedAt: Date): [string, unknown[]] {
    return [
      statusSql((table) => this.t(table)),
      [
        s.region,
        s.site,
        s.camera,
        s.state,
        s.at,
        receivedAt.toISOString(),
        JSON.stringify(s),
        Date.parse(s.at),
        receivedAt.getTime(),
        s.outbox_depth ?? null,
        s.oldest_unsent_ms ?? null,
        s.drops ?? null,
      ],
    ];
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
      await client.query(...this.batchQuery([event], now));
      await client.query(...this.statusQuery(status, now));
      await client.query(...this.deadLetterQuery([letter]));
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

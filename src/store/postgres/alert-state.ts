import pg from 'pg';
import type { AlertLock, AlertStateStore, InstanceRecord, OutboxRecord } from '../alert-state.ts';
import { outboxSql, toOutboxRecord } from '../alert-state.ts';
import { pgError } from './errors.ts';
import { quoteIdent } from './schema.ts';

export interface PostgresAlertStateOptions {
  url: string;
  schema?: string;
  pool?: pg.PoolConfig;
}

/** Alert state in PostgreSQL, beside the events, on a small pool of its own. */
export class PostgresAlertState implements AlertStateStore {
  readonly name = 'postgres';
  private pool: pg.Pool | undefined;
  private readonly schema: string;

  constructor(private readonly options: PostgresAlertStateOptions) {
    this.schema = options.schema ?? 'public';
    quoteIdent(this.schema);
  }

  private t(table: string) {
    return `${quoteIdent(this.schema)}.${table}`;
  }

  private db(): pg.Pool {
    if (!this.pool) throw new Error('alert state is not open');
    return this.pool;
  }

  private async q(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    try {
      return (await this.db().query(sql, params)).rows as Record<string, unknown>[];
    } catch (cause) {
      throw pgError('alert state', 'postgres', cause);
    }
  }

  async open(): Promise<void> {
    const pool = new pg.Pool({ connectionString: this.options.url, max: 3, connectionTimeoutMillis: 5_000, ...this.options.pool });
    pool.on('error', () => {});
    this.pool = pool;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('seamline.schema.' || $1))`, [this.schema]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.t('alert_instances')} (${outboxSql.instances})`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.t('alert_outbox')} (${outboxSql.outbox})`);
      await client.query('COMMIT');
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => {});
      throw pgError('alert state open', 'postgres', cause);
    } finally {
      client.release();
    }
  }

  /** One statement for many outbox rows (outboxColumns gives its parameters); `onConflict` is appended as it is. */
  private outboxInsert(onConflict: string): string {
    return `INSERT INTO ${this.t('alert_outbox')} (id, receiver, created_at, body, next_attempt_at)
      SELECT i, r, c, b, c FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS u(i, r, c, b) ${onConflict}`;
  }

  async loadInstances(): Promise<InstanceRecord[]> {
    const rows = await this.q(`SELECT key, rule, state, body FROM ${this.t('alert_instances')} ORDER BY key`);
    return rows.map((r) => ({
      key: String(r.key),
      rule: String(r.rule),
      state: String(r.state),
      body: JSON.parse(String(r.body)) as unknown,
    }));
  }

  async commit(
    instances: readonly InstanceRecord[],
    notifications: readonly Omit<OutboxRecord, 'attempts' | 'nextAttemptAt'>[],
  ): Promise<void> {
    if (instances.length === 0 && notifications.length === 0) return;
    const client = await this.db().connect();
    try {
      await client.query('BEGIN');
      if (instances.length > 0) {
        await client.query(
          `INSERT INTO ${this.t('alert_instances')} SELECT k, r, s, b, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(k, r, s, b)
           ON CONFLICT (key) DO UPDATE SET rule = excluded.rule, state = excluded.state, body = excluded.body, updated_at = excluded.updated_at`,
          [
            instances.map((i) => i.key),
            instances.map((i) => i.rule),
            instances.map((i) => i.state),
            instances.map((i) => JSON.stringify(i.body)),
            Date.now(),
          ],
        );
      }
      if (notifications.length > 0) {
        await client.query(this.outboxInsert(''), outboxColumns(notifications));
      }
      await client.query('COMMIT');
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => {});
      throw pgError('alert state commit', 'postgres', cause);
    } finally {
      client.release();
    }
  }

  async queueOnce(notifications: readonly NewOutboxRow[]): Promise<number> {
    if (notifications.length === 0) return 0;
    try {
      const r = await this.db().query(this.outboxInsert('ON CONFLICT (id, receiver) DO NOTHING'), outboxColumns(notifications));
      return r.rowCount ?? 0;
    } catch (cause) {
      throw pgError('alert state queue', 'postgres', cause);
    }
  }

  async queuedIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.q(`SELECT DISTINCT id FROM ${this.t('alert_outbox')} WHERE id = ANY($1::text[])`, [ids]);
    return new Set(rows.map((r) => String(r.id)));
  }

  async dueNotifications(nowMs: number, limit: number): Promise<OutboxRecord[]> {
    const rows = await this.q(
      `SELECT * FROM ${this.t('alert_outbox')} WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
       ORDER BY created_at, id, receiver LIMIT $2`,
      [nowMs, limit],
    );
    return rows.map(toOutboxRecord);
  }

  async markSent(id: string, receiver: string, nowMs: number): Promise<void> {
    await this.q(`UPDATE ${this.t('alert_outbox')} SET sent_at = $1, attempts = attempts + 1 WHERE id = $2 AND receiver = $3`, [
      nowMs,
      id,
      receiver,
    ]);
  }

  async markRetry(id: string, receiver: string, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.q(
      `UPDATE ${this.t('alert_outbox')} SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4 AND receiver = $5`,
      [attempts, nextAttemptAt, error, id, receiver],
    );
  }

  async markFailed(id: string, receiver: string, nowMs: number, error: string): Promise<void> {
    await this.q(
      `UPDATE ${this.t('alert_outbox')} SET failed_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3 AND receiver = $4`,
      [nowMs, error, id, receiver],
    );
  }

  async outboxDepth(): Promise<number> {
    const [r] = await this.q(`SELECT count(*) AS n FROM ${this.t('alert_outbox')} WHERE sent_at IS NULL AND failed_at IS NULL`);
    return Number(r?.n ?? 0);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end().catch(() => {});
  }
}

type NewOutboxRow = Omit<OutboxRecord, 'attempts' | 'nextAttemptAt'>;

const outboxColumns = (rows: readonly NewOutboxRow[]) => [
  rows.map((n) => n.id),
  rows.map((n) => n.receiver),
  rows.map((n) => n.createdAt),
  rows.map((n) => JSON.stringify(n.body)),
];

/**
 * The engine's leadership as a PostgreSQL session advisory lock on a connection of its own: held as long
 * as that connection lives, released by the server when the holder's process or connection dies.
 */
export class PostgresAlertLock implements AlertLock {
  private client: pg.Client | undefined;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly schema = 'public',
  ) {}

  async acquire(): Promise<boolean> {
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
        client.on('error', () => this.drop());
        client.on('end', () => this.drop());
        await client.connect();
        this.client = client;
      }
      const r = await this.client.query(`SELECT pg_try_advisory_lock(hashtext('seamline.alerting.' || $1)) AS got`, [this.schema]);
      this.held = r.rows[0].got === true;
    } catch {
      this.drop();
    }
    return this.held;
  }

  async check(): Promise<boolean> {
    if (!this.held || !this.client) return false;
    try {
      await this.client.query('SELECT 1');
      return this.held;
    } catch {
      this.drop();
      return false;
    }
  }

  /** The backend pid holding our lock connection, for tests that kill it. */
  async backendPid(): Promise<number | undefined> {
    return this.client ? Number((await this.client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid) : undefined;
  }

  private drop() {
    this.held = false;
    const c = this.client;
    this.client = undefined;
    void c?.end().catch(() => {});
  }

  async release(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.held = false;
    await c?.end().catch(() => {});
  }
}

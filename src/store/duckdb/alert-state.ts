import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { AlertLock, AlertStateStore, InstanceRecord, OutboxRecord } from '../alert-state.ts';
import { outboxSql, toOutboxRecord } from '../alert-state.ts';
import { inTransaction } from './transaction.ts';

/**
 * Alert state in the DuckDB file, on a connection of its own (DuckDbStore.connect). Only one process
 * can open the file, so that process is the only possible engine: LOCAL_LOCK always holds.
 */
export class DuckDbAlertState implements AlertStateStore {
  readonly name = 'duckdb';
  private conn: DuckDBConnection | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly connect: () => Promise<DuckDBConnection>) {}

  async open(): Promise<void> {
    this.conn = await this.connect();
    await this.conn.run(`CREATE TABLE IF NOT EXISTS alert_instances (${outboxSql.instances})`);
    await this.conn.run(`CREATE TABLE IF NOT EXISTS alert_outbox (${outboxSql.outbox})`);
  }

  /** One statement sequence at a time on this connection: a transaction must not interleave with another call. */
  private serial<T>(run: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (!this.conn) throw new Error('alert state is not open');
      return run(this.conn);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async rows(sql: string, params?: Record<string, DuckDBValue>): Promise<Record<string, unknown>[]> {
    return this.serial(async (c) => (await c.runAndReadAll(sql, params)).getRowObjects() as Record<string, unknown>[]);
  }

  async loadInstances(): Promise<InstanceRecord[]> {
    const rows = await this.rows(`SELECT key, rule, state, body FROM alert_instances ORDER BY key`);
    return rows.map((r) => ({
      key: String(r.key),
      rule: String(r.rule),
      state: String(r.state),
      body: JSON.parse(String(r.body)) as unknown,
    }));
  }

  commit(instances: readonly InstanceRecord[], notifications: readonly Omit<OutboxRecord, 'attempts' | 'nextAttemptAt'>[]): Promise<void> {
    if (instances.length === 0 && notifications.length === 0) return Promise.resolve();
    return this.serial((c) =>
      inTransaction(c, async () => {
        const now = Date.now();
        for (const i of instances) {
          await c.run(`INSERT OR REPLACE INTO alert_instances VALUES ($key, $rule, $state, $body, $now)`, {
            key: i.key,
            rule: i.rule,
            state: i.state,
            body: JSON.stringify(i.body),
            now: BigInt(now),
          });
        }
        for (const n of notifications) await insertOutbox(c, n, '');
      }),
    );
  }

  queueOnce(notifications: readonly Omit<OutboxRecord, 'attempts' | 'nextAttemptAt'>[]): Promise<number> {
    if (notifications.length === 0) return Promise.resolve(0);
    return this.serial((c) =>
      inTransaction(c, async () => {
        let added = 0;
        for (const n of notifications) added += await insertOutbox(c, n, 'ON CONFLICT (id, receiver) DO NOTHING');
        return added;
      }),
    );
  }

  async queuedIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const params = Object.fromEntries(ids.map((id, i) => [`i${i}`, id]));
    const rows = await this.rows(`SELECT DISTINCT id FROM alert_outbox WHERE id IN (${ids.map((_, i) => `$i${i}`).join(', ')})`, params);
    return new Set(rows.map((r) => String(r.id)));
  }

  async dueNotifications(nowMs: number, limit: number): Promise<OutboxRecord[]> {
    const rows = await this.rows(
      `SELECT * FROM alert_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $now
       ORDER BY created_at, id, receiver LIMIT ${Math.floor(limit)}`,
      { now: BigInt(nowMs) },
    );
    return rows.map(toOutboxRecord);
  }

  async markSent(id: string, receiver: string, nowMs: number): Promise<void> {
    await this.rows(`UPDATE alert_outbox SET sent_at = $now, attempts = attempts + 1 WHERE id = $id AND receiver = $receiver`, {
      now: BigInt(nowMs),
      id,
      receiver,
    });
  }

  async markRetry(id: string, receiver: string, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.rows(
      `UPDATE alert_outbox SET attempts = $attempts, next_attempt_at = $next, last_error = $error WHERE id = $id AND receiver = $receiver`,
      {
        attempts,
        next: BigInt(nextAttemptAt),
        error,
        id,
        receiver,
      },
    );
  }

  async markFailed(id: string, receiver: string, nowMs: number, error: string): Promise<void> {
    await this.rows(
      `UPDATE alert_outbox SET failed_at = $now, attempts = attempts + 1, last_error = $error WHERE id = $id AND receiver = $receiver`,
      {
        now: BigInt(nowMs),
        error,
        id,
        receiver,
      },
    );
  }

  async outboxDepth(): Promise<number> {
    const [r] = await this.rows(`SELECT count(*) AS n FROM alert_outbox WHERE sent_at IS NULL AND failed_at IS NULL`);
    return Number(r?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.queue;
    this.conn?.closeSync();
    this.conn = undefined;
  }
}

/** One outbox row; `onConflict` is appended as it is. Resolves to the rows inserted (0 or 1). */
async function insertOutbox(c: DuckDBConnection, n: Omit<OutboxRecord, 'attempts' | 'nextAttemptAt'>, onConflict: string): Promise<number> {
  const r = await c.run(
    `INSERT INTO alert_outbox (id, receiver, created_at, body, next_attempt_at) VALUES ($id, $receiver, $created, $body, $created) ${onConflict}`,
    { id: n.id, receiver: n.receiver, created: BigInt(n.createdAt), body: JSON.stringify(n.body) },
  );
  return r.rowsChanged;
}

/** DuckDB: one process per file, so the lock is always ours. */
export const LOCAL_LOCK: AlertLock = { acquire: async () => true, check: async () => true, release: async () => {} };

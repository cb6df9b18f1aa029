/**
 * Where the alerting engine keeps what must survive a restart or a change of leader: every alert
 * instance (as JSON, so the store needs no alerting types) and the notification outbox. Implementations:
 * store/duckdb/alert-state.ts, store/postgres/alert-state.ts. The alerting box owns the meaning of the bodies.
 */
export interface InstanceRecord {
  key: string;
  rule: string;
  state: string;
  body: unknown;
}

export interface OutboxRecord {
  /** Notification id; with `receiver` the row's identity. */
  id: string;
  receiver: string;
  createdAt: number;
  body: unknown;
  attempts: number;
  nextAttemptAt: number;
}

export interface AlertStateStore {
  readonly name: string;
  open(): Promise<void>;
  loadInstances(): Promise<InstanceRecord[]>;
  /**
   * One transaction: the instances that changed and the notifications their transitions produced. A
   * transition is either stored together with its notification or not at all, so a crash cannot lose a
   * page nor, after a restart, produce a second one for the same transition.
   */
  commit(instances: readonly InstanceRecord[], notifications: readonly Omit<OutboxRecord, 'attempts' | 'nextAttemptAt'>[]): Promise<void>;
  /**
   * Queues notifications whose ids are deterministic (the shift handover notice, one per shift end), in one
   * transaction, once: a row whose (id, receiver) is already in the outbox, in any state, is left as it is, so two
   * engines or a restarted one queueing the same notice add nothing. Returns how many rows were new.
   */
  queueOnce(notifications: readonly Omit<OutboxRecord, 'attempts' | 'nextAttemptAt'>[]): Promise<number>;
  /** Which of `ids` are in the outbox, for any receiver, sent or not. */
  queuedIds(ids: readonly string[]): Promise<Set<string>>;
  /** Unsent, not given up, due by `nowMs`; oldest first. */
  dueNotifications(nowMs: number, limit: number): Promise<OutboxRecord[]>;
  markSent(id: string, receiver: string, nowMs: number): Promise<void>;
  markRetry(id: string, receiver: string, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  /** Given up (the receiver refused it permanently): kept with the reason, never sent again. */
  markFailed(id: string, receiver: string, nowMs: number, error: string): Promise<void>;
  /** Notifications not yet sent and not given up. */
  outboxDepth(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Who may evaluate and notify. At most one holder at a time across every process sharing the store;
 * when the holder dies its lock goes with it and another process's `acquire` succeeds.
 */
export interface AlertLock {
  acquire(): Promise<boolean>;
  /** Still held? False once the connection that holds it is gone. */
  check(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Alert state and leadership for the store a process reads (StoreCapabilities.alertState): DuckDB keeps them
 * in the same file (one process, so always leader); PostgreSQL in the same database with an advisory lock.
 * The line-protocol stores cannot hold them (no transactions): run the engine against PostgreSQL or DuckDB.
 */
export interface AlertStateHome {
  state: AlertStateStore;
  lock: AlertLock;
}

export const outboxSql = {
  /** Columns in both stores. Times are epoch ms (BIGINT), so neither store's time zone handling matters. */
  instances: `key TEXT PRIMARY KEY, rule TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL, updated_at BIGINT NOT NULL`,
  outbox: `id TEXT NOT NULL, receiver TEXT NOT NULL, created_at BIGINT NOT NULL, body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, sent_at BIGINT, failed_at BIGINT,
    last_error TEXT, PRIMARY KEY (id, receiver)`,
};

export const toOutboxRecord = (r: Record<string, unknown>): OutboxRecord => ({
  id: String(r.id),
  receiver: String(r.receiver),
  createdAt: Number(r.created_at),
  body: JSON.parse(String(r.body)) as unknown,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
});

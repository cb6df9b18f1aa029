import type { DeadLetter } from './store.ts';

/**
 * Reading the dead letters back (`seamline dead-letters`), kept apart from the DetectionStore and StoreReader
 * the consumer and the dashboard use: only an operator's tool needs the raw bytes again. One implementation per
 * store kind, declared beside the store in registry/registry.ts; each opens the store for reading only.
 */

/** Which dead letters: every bound is optional. Times are received_at, epoch ms, [sinceMs, untilMs). */
export interface DeadLetterQuery {
  sinceMs?: number;
  untilMs?: number;
  /** One code (`SEAM_ERR_MALFORMED_JSON`...). */
  code?: string;
  /** Topics that start with this text, as the dead letter holds it (control characters escaped, see below). */
  topicPrefix?: string;
  /** The newest `limit` that match; all of them when absent. */
  limit?: number;
}

/**
 * A dead letter as stored. `topic` and `reason` are the text the consumer wrote, with control characters
 * escaped as \uXXXX (consumer/ingest/dead-letter.ts); `payload` is the message's bytes exactly as they came. `code`
 * is text: a newer consumer may have written a code this build does not know.
 */
export type DeadLetterRecord = Omit<DeadLetter, 'code'> & { code: string };

/** The dead letters of one code, from a store that keeps only counts. */
export interface DeadLetterCount {
  code: string;
  count: number;
  /** Payload bytes, all of them together. */
  bytes: number;
}

export type DeadLetterReadout =
  /** The letters themselves, newest first. */
  | { payloads: true; letters: DeadLetterRecord[] }
  /** VictoriaMetrics: a count and size per code, and why there is no more. */
  | { payloads: false; counts: DeadLetterCount[]; why: string };

export interface DeadLetterReader {
  readonly name: string;
  /** Connects for reading only; a store that is not there, or held by a writer, is a SeamError saying so. */
  open(): Promise<void>;
  readDeadLetters(query: DeadLetterQuery): Promise<DeadLetterReadout>;
  close(): Promise<void>;
}

/** How the SQL stores (DuckDB, PostgreSQL) spell what the shared query needs. */
export interface DeadLetterSqlDialect {
  /** The table, qualified as the store needs. */
  table: string;
  /** A TIMESTAMP from a positional parameter holding epoch milliseconds. */
  timestamp(param: string): string;
  /** received_at as epoch milliseconds. */
  epochMs: string;
}

/**
 * The one query both SQL stores run, with positional parameters ($1...): newest first, the newest `limit`.
 * Ties on received_at are ordered by topic, so that two listings of one store agree.
 */
export function deadLetterSql(q: DeadLetterQuery, d: DeadLetterSqlDialect): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const p = (v: string | number) => `$${params.push(v)}`;
  const where: string[] = [];
  if (q.sinceMs !== undefined) where.push(`received_at >= ${d.timestamp(p(q.sinceMs))}`);
  if (q.untilMs !== undefined) where.push(`received_at < ${d.timestamp(p(q.untilMs))}`);
  if (q.code !== undefined) where.push(`code = ${p(q.code)}`);
  // starts_with, not LIKE: a prefix may hold % or _.
  if (q.topicPrefix !== undefined) where.push(`starts_with(topic, ${p(q.topicPrefix)})`);
  const sql =
    `SELECT ${d.epochMs} AS received_ms, topic, code, reason, payload FROM ${d.table}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY received_at DESC, topic, code` +
    (q.limit !== undefined ? ` LIMIT ${p(q.limit)}` : '');
  return { sql, params };
}

/** A row of deadLetterSql; `payload` as the driver returns a blob. */
export function toDeadLetterRecord(r: Record<string, unknown>, payload: Buffer): DeadLetterRecord {
  return { receivedAt: new Date(Number(r.received_ms)), topic: String(r.topic), code: String(r.code), reason: String(r.reason), payload };
}

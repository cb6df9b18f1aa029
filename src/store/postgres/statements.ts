/**
 * The PostgreSQL store's write statements with their parameters, one statement each: a batch of events with
 * its detections and rollups (batch.ts), dead letters, and a status with its log and heartbeat rollups
 * (rollups.ts). store.ts runs them alone or, for its probe, together in a transaction it rolls back.
 */
import type { DetectionV1, StatusV1 } from '../../contract/index.ts';
import { type DeadLetter, letterIdOf } from '../store.ts';
import { insertBatchSql, toColumns } from './batch.ts';
import { statusSql, type Qualify } from './rollups.ts';

export type Statement = [sql: string, params: unknown[]];

export function batchStatement(t: Qualify, events: readonly DetectionV1[], committedAt: Date): Statement {
  const columns = toColumns(events, committedAt.getTime());
  return [insertBatchSql(t), [...columns.events, committedAt.toISOString(), ...columns.detections, ...columns.rollup]];
}

export function deadLetterStatement(t: Qualify, letters: readonly DeadLetter[]): Statement {
  return [
    `INSERT INTO ${t('dead_letters')} (received_at, topic, code, reason, payload, letter_id)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[])
       ON CONFLICT (letter_id) DO NOTHING`,
    [
      letters.map((l) => l.receivedAt.toISOString()),
      letters.map((l) => l.topic),
      letters.map((l) => l.code),
      letters.map((l) => l.reason),
      letters.map((l) => l.payload),
      letters.map(letterIdOf),
    ],
  ];
}

/** The latest status, a status-log row on a change of state, and the heartbeat rollups (rollups.ts statusSql). */
export function statusStatement(t: Qualify, s: StatusV1, receivedAt: Date): Statement {
  return [
    statusSql(t),
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

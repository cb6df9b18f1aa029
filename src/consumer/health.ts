import type { IngestStats } from './ingest/ingest.ts';

/** Where a consumer process is in its life, before and beside what its ingestor says. */
export type ConsumerPhase = 'waiting_for_store' | 'starting' | 'running' | 'stopped';

export interface ConsumerHealth {
  /** `ingesting` is the only healthy status. */
  status: 'ingesting' | 'waiting_for_store' | 'starting' | 'store_failing' | 'commit_stalled' | 'stopped';
  ok: boolean;
  /** One line for an operator. */
  detail: string;
  lastCommitAt: string | null;
  pending: number;
}

/** A commit running this long, or a store failing this long, makes the consumer unhealthy. */
export const STALL_MS = 30_000;

/**
 * Whether a consumer is doing its job: up, with its store, and committing what it receives. A consumer
 * that is up but not committing must never look healthy (a supervisor or a load balancer asks here).
 */
export function consumerHealth(
  phase: ConsumerPhase,
  stats: IngestStats | undefined,
  stoppedBy: string | undefined,
  nowMs = Date.now(),
): ConsumerHealth {
  const base = { lastCommitAt: stats?.lastCommitAtMs ? new Date(stats.lastCommitAtMs).toISOString() : null, pending: stats?.pending ?? 0 };
  const bad = (status: ConsumerHealth['status'], detail: string): ConsumerHealth => ({ status, ok: false, detail, ...base });
  if (phase === 'stopped' || stoppedBy) return bad('stopped', `ingest stopped: ${stoppedBy ?? 'shutting down'}`);
  if (phase === 'waiting_for_store') return bad('waiting_for_store', 'the store does not answer yet; retrying with backoff');
  if (phase === 'starting' || !stats) return bad('starting', 'joining the broker');
  if (stats.failingSinceMs > 0 && nowMs - stats.failingSinceMs >= STALL_MS) {
    return bad(
      'store_failing',
      `store writes failing for ${Math.round((nowMs - stats.failingSinceMs) / 1000)} s; messages stay with the broker`,
    );
  }
  if (stats.commitStartedAtMs > 0 && nowMs - stats.commitStartedAtMs >= STALL_MS) {
    return bad('commit_stalled', `a commit has run for ${Math.round((nowMs - stats.commitStartedAtMs) / 1000)} s`);
  }
  return { status: 'ingesting', ok: true, detail: 'committing what it receives', ...base };
}

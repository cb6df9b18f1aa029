import { SeamError } from '../../contract/index.ts';

/**
 * What a power loss may cost (a process crash or SIGKILL costs nothing in any mode: a committed
 * transaction is in the OS page cache, which survives the process).
 *
 * - `always` (default): an append resolves only after the group commit holding it is fsync'd.
 *   A power loss costs nothing that was acknowledged to a producer.
 * - `batch`: an append resolves once its group commit is committed; the fsync of that commit runs right
 *   behind it (LMDB overlapping sync). A power loss may cost the last commit or two (milliseconds of events),
 *   and `seq` values of those events may be handed out again.
 * - `never`: no fsync at all (LMDB `noSync`); the kernel writes back when it likes (Linux: up to ~30 s).
 *   A power loss may cost that much, and on a file system that reorders writes the outbox may be lost whole.
 */
export type FsyncPolicy = 'always' | 'batch' | 'never';

/** `drop-oldest` (default) makes room by dropping the oldest events; `reject-new` refuses the new one. */
export type OverflowPolicy = 'drop-oldest' | 'reject-new';

export interface OutboxOptions {
  /** Directory of the LMDB environment; created if missing. */
  path: string;
  /**
   * Bound on the bytes of everything stored: events waiting for their PUBACK and acknowledged events kept
   * for replay (each counted as header + topic + payload). Acknowledged events give way first; only events
   * still waiting are subject to `overflow`. Default 4 GiB.
   */
  maxBytes?: number;
  /** What happens when an append would take the waiting events over `maxBytes`. Default `drop-oldest`. */
  overflow?: OverflowPolicy;
  /** Durability of an append; see {@link FsyncPolicy}. Default `always`. */
  fsync?: FsyncPolicy;
  /** Bound on the acknowledged events kept for replay (the replay window), bytes. 0 deletes at PUBACK. Default 2 GiB. */
  replayMaxBytes?: number;
  /** Acknowledged events older than this (since accepted) leave the window, ms. Default 24 h. */
  replayMaxAgeMs?: number;
  /** Called (synchronously) when waiting entries are dropped to make room, with how many and their bytes. */
  onDrop?: (count: number, bytes: number) => void;
  /** Called when acknowledged entries leave the replay window (space, its own bound, or age). */
  onEvict?: (count: number, bytes: number) => void;
}

/** The bounds and policies of an outbox, defaults applied and checked. */
export interface OutboxPolicy {
  maxBytes: number;
  overflow: OverflowPolicy;
  fsync: FsyncPolicy;
  /** Never above `maxBytes`: the window lives inside the outbox's bound. */
  replayMaxBytes: number;
  replayMaxAgeMs: number;
}

export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
export const DEFAULT_REPLAY_MAX_BYTES = 2 * 1024 ** 3;
export const DEFAULT_REPLAY_MAX_AGE_MS = 24 * 3600 * 1000;

/** Applies the defaults; a value out of range is SEAM_ERR_CONFIG naming the option. */
export function outboxPolicy(options: OutboxOptions): OutboxPolicy {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const policy: OutboxPolicy = {
    maxBytes,
    overflow: options.overflow ?? 'drop-oldest',
    fsync: options.fsync ?? 'always',
    replayMaxBytes: Math.min(options.replayMaxBytes ?? DEFAULT_REPLAY_MAX_BYTES, maxBytes),
    replayMaxAgeMs: options.replayMaxAgeMs ?? DEFAULT_REPLAY_MAX_AGE_MS,
  };
  const bad = (field: string, reason: string) => new SeamError('SEAM_ERR_CONFIG', `${field} ${reason}`, { field });
  if (!(policy.maxBytes > 0)) throw bad('maxBytes', `must be > 0, got ${policy.maxBytes}`);
  if (!['drop-oldest', 'reject-new'].includes(policy.overflow))
    throw bad('overflow', `must be drop-oldest or reject-new, got "${policy.overflow}"`);
  if (!['always', 'batch', 'never'].includes(policy.fsync)) throw bad('fsync', `must be always, batch or never, got "${policy.fsync}"`);
  if (!(policy.replayMaxBytes >= 0)) throw bad('replayMaxBytes', `must be >= 0, got ${options.replayMaxBytes}`);
  if (!(policy.replayMaxAgeMs >= 0)) throw bad('replayMaxAgeMs', `must be >= 0, got ${options.replayMaxAgeMs}`);
  return policy;
}

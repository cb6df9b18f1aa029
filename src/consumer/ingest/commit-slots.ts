import type { Batch } from './batch.ts';
import { BatchCommitter, type BatchCommitOptions } from './batch-commit.ts';

/** A commit under way: when it started, and the cameras whose statuses it writes. */
interface Running {
  startedAtMs: number;
  cameras: string[];
}

/**
 * The commits an Ingestor may run at once: one BatchCommitter per slot (a committer holds one commit's probe
 * state), and what each commit under way holds, so a batch can tell whether it must wait for one.
 */
export class CommitSlots {
  private readonly idle: BatchCommitter[];
  private readonly running = new Map<Promise<void>, Running>();

  constructor(slots: number, options: BatchCommitOptions) {
    this.idle = Array.from({ length: Math.max(1, slots) }, () => new BatchCommitter(options));
  }

  get busy(): number {
    return this.running.size;
  }

  /** Commits under way, to wait for. */
  get underWay(): Promise<void>[] {
    return [...this.running.keys()];
  }

  /**
   * Whether `batch` can start now: a slot is free, and it holds no status for a camera whose earlier status is
   * being committed (a camera's latest status must never be overwritten by an older one committed later).
   */
  canStart(batch: Batch): boolean {
    if (this.idle.length === 0) return false;
    if (batch.statuses.size === 0) return true;
    for (const r of this.running.values()) for (const key of r.cameras) if (batch.statuses.has(key)) return false;
    return true;
  }

  /** Runs `commit` with a free committer (canStart first); resolves when it is done and its slot free again. */
  start(batch: Batch, commit: (committer: BatchCommitter) => Promise<void>): Promise<void> {
    const committer = this.idle.pop()!;
    const run: Promise<void> = commit(committer).finally(() => {
      this.running.delete(run);
      this.idle.push(committer);
    });
    this.running.set(run, { startedAtMs: Date.now(), cameras: [...batch.statuses.keys()] });
    return run;
  }

  /** When the oldest commit under way started, epoch ms (0: none), for the health check's stall test. */
  oldestStartMs(): number {
    let oldest = 0;
    for (const r of this.running.values()) if (oldest === 0 || r.startedAtMs < oldest) oldest = r.startedAtMs;
    return oldest;
  }
}

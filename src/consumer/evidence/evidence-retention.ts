import { pino, type Logger } from 'pino';
import type { EvidenceRetention, EvidenceStore } from '../../store/evidence/evidence-store.ts';

/** 30 days and 10 GiB: a month of images to look back on, on a disk a plant PC has to spare. */
export const DEFAULT_EVIDENCE_MAX_AGE_MS = 30 * 86_400_000;
export const DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 ** 3;
/** Every 10 minutes: at 10 images a second of 100 KB, 600 MB arrive in between, well inside a 10 GiB bound. */
export const DEFAULT_EVIDENCE_PRUNE_EVERY_MS = 600_000;

export interface EvidenceRetentionOptions extends EvidenceRetention {
  store: EvidenceStore;
  /** ms between prunes (default 10 minutes); 0 never prunes. */
  everyMs?: number;
  logger?: Logger;
}

/** What retention removed since the consumer started, and how often a prune failed (it is tried again next time). */
export interface RetentionStats {
  prunes: number;
  prunedImages: number;
  prunedBytes: number;
  failures: number;
}

/**
 * Prunes the evidence store by age and by bytes, once at start and then periodically. With several consumers
 * on one PostgreSQL store each prunes; each counts only the rows its own statements removed.
 */
export class EvidenceRetentionTimer {
  readonly stats: RetentionStats = { prunes: 0, prunedImages: 0, prunedBytes: 0, failures: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log: Logger;
  readonly bounds: EvidenceRetention;

  constructor(private readonly options: EvidenceRetentionOptions) {
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'evidence-retention' });
    this.bounds = { maxAgeMs: options.maxAgeMs ?? DEFAULT_EVIDENCE_MAX_AGE_MS, maxBytes: options.maxBytes ?? DEFAULT_EVIDENCE_MAX_BYTES };
  }

  start(): void {
    const every = this.options.everyMs ?? DEFAULT_EVIDENCE_PRUNE_EVERY_MS;
    if (every <= 0) return;
    void this.pruneNow();
    this.timer = setInterval(() => void this.pruneNow(), every);
    this.timer.unref();
  }

  /** One prune; a second call while one runs waits for it instead of starting another. */
  pruneNow(nowMs = Date.now()): Promise<void> {
    this.running ??= this.prune(nowMs).finally(() => (this.running = undefined));
    return this.running;
  }

  private async prune(nowMs: number): Promise<void> {
    try {
      const removed = await this.options.store.prune(this.bounds, nowMs);
      this.stats.prunes++;
      this.stats.prunedImages += removed.images;
      this.stats.prunedBytes += removed.bytes;
      if (removed.images > 0) this.log.info({ ...removed, ...this.bounds }, 'evidence retention removed the oldest images');
    } catch (err) {
      this.stats.failures++;
      this.log.warn({ err: (err as Error).message }, 'evidence retention failed; trying again at the next period');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

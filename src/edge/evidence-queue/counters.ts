import type { Logger } from 'pino';
import { isSeamError } from '../../contract/index.ts';

/** What the image queue and its publisher counted since the queue opened, and what it holds now. */
export interface EvidenceQueueStats {
  /** Images queued now (waiting or in flight), and their bytes. */
  queued: number;
  queue_bytes: number;
  /** Images found on disk when the queue opened (queued before a restart). */
  restored: number;
  /** Offers that passed the checks and were not duplicates: each one ends acked, dropped, or still queued. */
  offered: number;
  /** Offers of an event_id already queued (kept once). */
  duplicates: number;
  /** Offers refused (not an evidence message, meta disagreeing with it, too large, queue closed). */
  refused: number;
  /** PUBLISH packets sent, resends after a lost connection included. */
  sent: number;
  /** Images the broker acknowledged (PUBACK): they left the queue. */
  acked: number;
  /** Images dropped unsent (the byte bound's drop-oldest, a failed write, or `rejected`), and their bytes. */
  dropped: number;
  dropped_bytes: number;
  /** Of those, images the broker refused with a reason code three times. */
  rejected: number;
  /** Connections re-established after a loss. */
  reconnects: number;
}

/** A refusal is logged at most once a second, with how many were refused since: a broken producer must not flood the log. */
const LOG_EVERY_MS = 1000;

/** The one set of counters of an image queue; stats(), the metrics and (later) the heartbeat read these. */
export class QueueCounters {
  queueBytes = 0;
  restored = 0;
  offered = 0;
  duplicates = 0;
  refused = 0;
  sent = 0;
  acked = 0;
  dropped = 0;
  droppedBytes = 0;
  rejected = 0;
  reconnects = 0;
  private lastRefusalLog = 0;
  private refusedSinceLog = 0;
  private lastDropLog = 0;
  private droppedSinceLog = 0;

  refuse(err: unknown, logger: Logger, event_id: string | undefined): void {
    this.refused++;
    this.refusedSinceLog++;
    if (Date.now() - this.lastRefusalLog < LOG_EVERY_MS) return;
    const detail = isSeamError(err) ? err.toJSON() : { message: String(err) };
    logger.warn({ ...detail, event_id, refused: this.refusedSinceLog, total: this.refused }, 'evidence image refused');
    this.lastRefusalLog = Date.now();
    this.refusedSinceLog = 0;
  }

  noteDrop(logger: Logger, maxBytes: number): void {
    this.droppedSinceLog++;
    if (Date.now() - this.lastDropLog < LOG_EVERY_MS) return;
    logger.warn({ dropped: this.droppedSinceLog, total: this.dropped, maxBytes }, 'evidence queue full: dropped oldest images');
    this.lastDropLog = Date.now();
    this.droppedSinceLog = 0;
  }

  stats(queued: number): EvidenceQueueStats {
    return {
      queued,
      queue_bytes: this.queueBytes,
      restored: this.restored,
      offered: this.offered,
      duplicates: this.duplicates,
      refused: this.refused,
      sent: this.sent,
      acked: this.acked,
      dropped: this.dropped,
      dropped_bytes: this.droppedBytes,
      rejected: this.rejected,
      reconnects: this.reconnects,
    };
  }
}

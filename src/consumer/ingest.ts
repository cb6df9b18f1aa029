import { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';
import { decodeMessage, DEFAULT_MAX_PAYLOAD_BYTES, isSeamError } from '../contract/index.ts';
import type { DeadLetter, DetectionStore } from '../store/store.ts';
import { Batch } from './batch.ts';
import { DedupCache } from './dedup-cache.ts';
import { PoisonLog } from './poison-log.ts';
import type { Delivery, SubscriberSession } from './session.ts';

export interface IngestOptions {
  store: DetectionStore;
  session: SubscriberSession;
  /** Commit when this many deliveries are waiting (default 1000). */
  batchSize?: number;
  /** ...or when the oldest waiting delivery is this old, ms (default 20): lag stays in tens of ms. */
  flushIntervalMs?: number;
  /** Deliveries held beyond the batch being committed before we stop reading (default 20,000). */
  maxPending?: number;
  maxPayloadBytes?: number;
  /** Recently committed event ids kept for the fast duplicate path (default 100,000). */
  dedupCapacity?: number;
  /**
   * Also publish each dead letter here (QoS 0, JSON with the raw payload in base64) once it is committed,
   * for tools that watch poison live. Best effort: the dead_letters table is the durable record.
   */
  deadLetterTopic?: string;
  /** Store retry backoff, ms (defaults 100 doubling to 5,000). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  logger?: Logger;
}

export interface IngestStats {
  /** Every delivery: detections, statuses and poison. */
  received: number;
  /** Deliveries on detection topics (including redeliveries and poison there). */
  receivedEvents: number;
  committedEvents: number;
  committedDetections: number;
  duplicates: number;
  deadLettered: number;
  batches: number;
  lastBatchSize: number;
  lastCommitMs: number;
  pending: number;
  storeFailures: number;
}

/** What one successful commit did; 'commit-report' carries it to metrics. */
export interface CommitReport {
  deliveries: number;
  commitMs: number;
  committedAtMs: number;
  /** captured_at of each newly written event, epoch ms, for the end-to-end lag histogram. */
  capturedMs: number[];
}

/**
 * Seam 3: decode, deduplicate, batch, commit, then acknowledge. A delivery is acknowledged only after
 * the batch holding it committed (or dead-lettered it). One commit runs at a time; the next batch fills
 * meanwhile, and reading pauses when it is full, so memory stays bounded while the store is slow or down.
 * Emits 'commit' (IngestStats) after each commit, 'store-error' (Error) on each failed attempt that will be
 * retried, and 'fatal' (SeamError) when the store refuses a batch for good (configuration) and ingest stops.
 */
export class Ingestor extends EventEmitter {
  private readonly store: DetectionStore;
  private readonly session: SubscriberSession;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxPending: number;
  private readonly maxPayloadBytes: number;
  private readonly retryInitialMs: number;
  private readonly deadLetterTopic: string | undefined;
  private readonly retryMaxMs: number;
  private readonly logger: Logger;
  private readonly poisonLog: PoisonLog;
  private readonly committed: DedupCache;
  private batch = new Batch();
  private committing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private stopping = false;
  private closed = false;
  readonly stats: IngestStats = {
    received: 0,
    receivedEvents: 0,
    committedEvents: 0,
    committedDetections: 0,
    duplicates: 0,
    deadLettered: 0,
    batches: 0,
    lastBatchSize: 0,
    lastCommitMs: 0,
    pending: 0,
    storeFailures: 0,
  };

  constructor(options: IngestOptions) {
    super();
    this.store = options.store;
    this.session = options.session;
    this.batchSize = options.batchSize ?? 1000;
    this.flushIntervalMs = options.flushIntervalMs ?? 20;
    this.maxPending = options.maxPending ?? 20_000;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.deadLetterTopic = options.deadLetterTopic;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.poisonLog = new PoisonLog(this.logger);
    this.committed = new DedupCache(options.dedupCapacity ?? 100_000);
    this.session.on('message', (d: Delivery) => this.onMessage(d));
  }

  onMessage(delivery: Delivery): void {
    this.stats.received++;
    if (delivery.topic.endsWith('/detection')) this.stats.receivedEvents++;
    const decoded = decodeMessage(delivery.topic, delivery.payload, { maxPayloadBytes: this.maxPayloadBytes });
    if (!decoded.ok) {
      this.stats.deadLettered++;
      this.poisonLog.record(delivery.topic, decoded.error);
      const { code, message } = decoded.error;
      this.batch.addDeadLetter({ topic: delivery.topic, payload: delivery.payload, code, reason: message, receivedAt: new Date() }, delivery);
    } else if (decoded.kind === 'status') {
      this.batch.addStatus(decoded.message, delivery);
    } else if (this.committed.has(decoded.message.event_id)) {
      // Already committed: the PUBACK was lost or the broker redelivered. Nothing to write.
      this.stats.duplicates++;
      this.ackOne(delivery);
      return;
    } else if (!this.batch.addEvent(decoded.message, delivery)) {
      this.stats.duplicates++;
    }
    this.stats.pending = this.batch.size;
    if (!this.paused && this.batch.size >= this.maxPending) {
      this.paused = true;
      this.session.pause();
    }
    this.schedule();
  }

  private ackOne(delivery: Delivery): void {
    if (delivery.qos === 1) this.session.ack(delivery);
  }

  private schedule(): void {
    if (this.committing || this.batch.size === 0) return;
    const age = Date.now() - this.batch.openedAt;
    if (this.batch.size >= this.batchSize || age >= this.flushIntervalMs || this.stopping) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.committing = this.commit().finally(() => {
        this.committing = undefined;
        this.schedule();
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.flushIntervalMs - age);
    }
  }

  private async commit(): Promise<void> {
    const batch = this.batch;
    this.batch = new Batch();
    this.stats.pending = 0;
    if (this.paused) {
      this.paused = false;
      // Not now: resume() hands over held messages synchronously, and their schedule() would start a second
      // commit before this one is recorded as running (deep recursion with a small maxPending).
      process.nextTick(() => this.session.resume());
    }
    let delay = this.retryInitialMs;
    let started = Date.now();
    let fresh: number[] = [];
    for (let attempt = 1; ; attempt++) {
      started = Date.now();
      try {
        fresh = [];
        const result = await this.store.write(batch.events, new Date(started), fresh);
        await this.store.writeDeadLetters(batch.letters);
        for (const { status, receivedAt } of batch.statuses.values()) await this.store.writeStatus(status, receivedAt);
        this.stats.committedEvents += result.events;
        this.stats.committedDetections += result.detections;
        this.stats.duplicates += result.duplicates;
        this.stats.lastCommitMs = Date.now() - started;
        break;
      } catch (err) {
        // The store holds nothing of a failed batch (or, after a partial failure, rows the next attempt
        // will find and skip), so retrying the whole batch is safe. The broker keeps the unacked data.
        this.stats.storeFailures++;
        if (this.closed) return;
        if (isSeamError(err) && err.kind === 'fatal') {
          // Authentication, a missing database, a rejected schema: retrying cannot help, and acknowledging
          // would lose the batch. Stop taking messages; the broker keeps them for a fixed consumer.
          this.closed = true;
          this.session.pause();
          this.logger.fatal({ code: err.code, field: err.field, err: err.message }, 'store refused the batch permanently; stopping');
          this.emit('fatal', err);
          return;
        }
        this.emit('store-error', err);
        this.logger.error({ attempt, err: (err as Error).message, retryInMs: delay }, 'store write failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.retryMaxMs);
      }
    }
    for (const id of batch.eventIds) this.committed.add(id);
    if (this.deadLetterTopic) for (const letter of batch.letters) this.announce(letter);
    for (const d of batch.deliveries) this.ackOne(d);
    this.stats.batches++;
    this.stats.lastBatchSize = batch.size;
    this.emit('commit', this.stats);
    if (this.listenerCount('commit-report') > 0) {
      const report: CommitReport = {
        deliveries: batch.size,
        commitMs: this.stats.lastCommitMs,
        committedAtMs: started,
        // Only what this commit stored: a redelivery the store refused was observed when it was first stored.
        capturedMs: fresh,
      };
      this.emit('commit-report', report);
    }
  }

  private announce(letter: DeadLetter): void {
    const notice = {
      topic: letter.topic,
      code: letter.code,
      reason: letter.reason,
      received_at: letter.receivedAt.toISOString(),
      payload_base64: letter.payload.toString('base64'),
    };
    this.session.publishQos0(this.deadLetterTopic!, Buffer.from(JSON.stringify(notice)));
  }

  /** Stops reading, commits and acknowledges everything received, within `timeoutMs`. */
  async drain(timeoutMs = 8_000): Promise<boolean> {
    this.stopping = true;
    this.session.pause();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (this.committing || this.batch.size > 0)) {
      this.schedule();
      await Promise.race([this.committing ?? Promise.resolve(), new Promise((r) => setTimeout(r, 50))]);
    }
    clearTimeout(this.timer);
    const drained = !this.committing && this.batch.size === 0;
    // Whatever is still uncommitted stays unacknowledged: the broker redelivers it to the next consumer.
    this.closed = true;
    return drained;
  }
}

import { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';
import { decodeMessage, DEFAULT_MAX_PAYLOAD_BYTES, type DetectionV1, type SeamError } from '../../contract/index.ts';
import type { DeadLetter, DetectionStore } from '../../store/store.ts';
import { Batch } from './batch.ts';
import { BatchCommitter, type CommitTally } from './batch-commit.ts';
import { deadLetterOf } from './dead-letter.ts';
import { DedupCache } from './dedup-cache.ts';
import { PoisonLog } from './poison-log.ts';
import type { Delivery, SubscriberSession } from '../mqtt/subscriber-session.ts';
import { CommitAbandoned } from './store-failure.ts';

export interface IngestOptions {
  store: DetectionStore;
  session: SubscriberSession;
  /** Commit when this many deliveries are waiting (default 1000). */
  batchSize?: number;
  /** ...or when the oldest waiting delivery is this old, ms (default 20): lag stays in tens of ms. */
  flushMs?: number;
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
  /** Failed attempts of one write before the store is probed to tell a broken store from refused data (default 3). */
  probeAfterFailures?: number;
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
  /** Every dead letter: poison found on decoding, and messages the store refused. */
  deadLettered: number;
  /** Of those, the messages the store refused (SEAM_ERR_STORE_REFUSED). */
  storeRefused: number;
  batches: number;
  lastBatchSize: number;
  lastCommitMs: number;
  /** When the last commit finished, epoch ms; 0 before the first. */
  lastCommitAtMs: number;
  /** When the commit under way started, epoch ms; 0 when none is. */
  commitStartedAtMs: number;
  /** When the store began failing, epoch ms; 0 while its last attempt succeeded. */
  failingSinceMs: number;
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
  /** Every event the batch carried (redeliveries included), for figures per camera such as clock offsets. */
  events: readonly DetectionV1[];
}

/**
 * Seam 3: decode, deduplicate, batch, commit, then acknowledge. A delivery is acknowledged only after
 * the batch holding it committed (or dead-lettered it). One commit runs at a time; the next batch fills
 * meanwhile, and reading pauses when it is full, so memory stays bounded while the store is slow or down.
 * A message the store refuses costs that message alone (batch-commit.ts).
 * Emits 'commit' (IngestStats) after each commit, 'store-error' (Error) on each failed store attempt, and
 * 'fatal' (SeamError) when the store itself is broken (configuration, confirmed by a probe) and ingest stops;
 * `fatalError` keeps it for whoever looks later.
 */
export class Ingestor extends EventEmitter {
  private readonly store: DetectionStore;
  private readonly session: SubscriberSession;
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly maxPayloadBytes: number;
  private readonly deadLetterTopic: string | undefined;
  private readonly logger: Logger;
  private readonly committer: BatchCommitter;
  private readonly poisonLog: PoisonLog;
  private readonly committed: DedupCache;
  private batch = new Batch();
  private committing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private stopping = false;
  private closed = false;
  /** Set when ingest stopped for good. */
  fatalError: SeamError | undefined;
  readonly stats: IngestStats = {
    received: 0,
    receivedEvents: 0,
    committedEvents: 0,
    committedDetections: 0,
    duplicates: 0,
    deadLettered: 0,
    storeRefused: 0,
    batches: 0,
    lastBatchSize: 0,
    lastCommitMs: 0,
    lastCommitAtMs: 0,
    commitStartedAtMs: 0,
    failingSinceMs: 0,
    pending: 0,
    storeFailures: 0,
  };

  constructor(options: IngestOptions) {
    super();
    this.store = options.store;
    this.session = options.session;
    this.batchSize = options.batchSize ?? 1000;
    this.flushMs = options.flushMs ?? 20;
    this.maxPending = options.maxPending ?? 20_000;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.deadLetterTopic = options.deadLetterTopic;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.poisonLog = new PoisonLog(this.logger);
    this.committer = new BatchCommitter({
      store: this.store,
      logger: this.logger,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      probeAfterFailures: options.probeAfterFailures,
      closed: () => this.closed,
      onFailure: (err) => {
        this.stats.storeFailures++;
        if (this.stats.failingSinceMs === 0) this.stats.failingSinceMs = Date.now();
        this.emit('store-error', err);
      },
      onRefused: (delivery, error) => this.poisonLog.record(delivery.topic, error),
    });
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
      this.batch.addDeadLetter(deadLetterOf(delivery, decoded.error), delivery);
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
    if (this.batch.size >= this.batchSize || age >= this.flushMs || this.stopping) {
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
      }, this.flushMs - age);
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
    let tally: CommitTally;
    this.stats.commitStartedAtMs = Date.now();
    try {
      tally = await this.committer.commit(batch);
    } catch (err) {
      if (err instanceof CommitAbandoned) return;
      this.stop(err as SeamError);
      return;
    } finally {
      this.stats.commitStartedAtMs = 0;
    }
    this.recordCommit(batch, tally);
  }

  /** Calls `listener` once ingest stops for good: now, if it already has (a first batch can fail before anyone listens). */
  onFatal(listener: (err: SeamError) => void): void {
    if (this.fatalError) listener(this.fatalError);
    else this.once('fatal', listener);
  }

  /**
   * Authentication, a missing database, a broken table, confirmed by a failed probe: retrying cannot help,
   * and acknowledging would lose the batch. Stop taking messages; the broker keeps them for a fixed consumer.
   */
  private stop(err: SeamError): void {
    this.closed = true;
    this.fatalError = err;
    this.session.pause();
    this.logger.fatal({ code: err.code, field: err.field, err: err.message }, 'store refused the batch permanently; stopping');
    this.emit('fatal', err);
  }

  private recordCommit(batch: Batch, tally: CommitTally): void {
    const s = this.stats;
    s.committedEvents += tally.events;
    s.committedDetections += tally.detections;
    s.duplicates += tally.duplicates;
    s.deadLettered += tally.refused;
    s.storeRefused += tally.refused;
    s.lastCommitMs = Date.now() - tally.startedMs;
    s.lastCommitAtMs = Date.now();
    s.failingSinceMs = 0;
    for (const id of batch.eventIds) this.committed.add(id);
    if (this.deadLetterTopic) for (const letter of tally.letters) this.announce(letter);
    for (const d of batch.deliveries) this.ackOne(d);
    s.batches++;
    s.lastBatchSize = batch.size;
    this.emit('commit', s);
    if (this.listenerCount('commit-report') > 0) {
      const report: CommitReport = {
        deliveries: batch.size,
        commitMs: s.lastCommitMs,
        committedAtMs: tally.startedMs,
        // Only what this commit stored: a redelivery the store refused was observed when it was first stored.
        capturedMs: tally.fresh,
        events: batch.events,
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

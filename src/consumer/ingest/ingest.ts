import { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';
import { decodeMessage, DEFAULT_MAX_PAYLOAD_BYTES, type SeamError } from '../../contract/index.ts';
import type { DeadLetter, DetectionStore } from '../../store/store.ts';
import { Batch } from './batch.ts';
import type { BatchCommitter, CommitTally } from './batch-commit.ts';
import { CommitSlots } from './commit-slots.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_MS, DEFAULT_MAX_PENDING } from './defaults.ts';
import { deadLetterOf } from './dead-letter.ts';
import { DedupCache } from './dedup-cache.ts';
import { PoisonLog } from './poison-log.ts';
import type { Delivery, SubscriberSession } from '../mqtt/subscriber-session.ts';
import { CommitAbandoned } from './store-failure.ts';
import { newIngestStats, type CommitReport, type IngestStats } from './ingest-stats.ts';

export type { CommitReport, IngestStats };

/** How much longer than flushMs a busy batch may wait (Ingestor.waitMs). */
export const BUSY_FLUSH_FACTOR = 2.5;

export interface IngestOptions {
  store: DetectionStore;
  session: SubscriberSession;
  /** Commit when this many deliveries are waiting (default 5000). */
  batchSize?: number;
  /**
   * ...or when the oldest waiting delivery is this old, ms (default 20): lag stays in tens of ms. Under load (a
   * tenth of batchSize waiting by then) up to BUSY_FLUSH_FACTOR times this, so a commit's fixed cost is spread wider.
   */
  flushMs?: number;
  /**
   * Commits that may run at once (default: the store's `concurrentWrites`, else 1). With two, a server store
   * works on one batch while the next is sent; a batch never waits for another except to keep a camera's
   * statuses in order.
   */
  commits?: number;
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

/**
 * Seam 3: decode, deduplicate, batch, commit, then acknowledge. A delivery is acknowledged only after
 * the batch holding it committed (or dead-lettered it). Up to `commits` commits run at once (one for
 * DuckDB); the next batch fills meanwhile, and reading pauses when it is full, so memory stays bounded while
 * the store is slow or down.
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
  private readonly slots: CommitSlots;
  private readonly poisonLog: PoisonLog;
  private readonly committed: DedupCache;
  private batch = new Batch();
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private stopping = false;
  private closed = false;
  /** Set when ingest stopped for good. */
  fatalError: SeamError | undefined;
  readonly stats: IngestStats = newIngestStats();

  constructor(options: IngestOptions) {
    super();
    this.store = options.store;
    this.session = options.session;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.deadLetterTopic = options.deadLetterTopic;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.poisonLog = new PoisonLog(this.logger);
    const committerOptions = {
      store: this.store,
      logger: this.logger,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      probeAfterFailures: options.probeAfterFailures,
      closed: () => this.closed,
      onFailure: (err: unknown) => {
        this.stats.storeFailures++;
        if (this.stats.failingSinceMs === 0) this.stats.failingSinceMs = Date.now();
        this.emit('store-error', err);
      },
      onRefused: (delivery: Delivery, error: SeamError) => this.poisonLog.record(delivery.topic, error),
    };
    const commits = options.commits ?? this.store.concurrentWrites ?? 1;
    this.slots = new CommitSlots(commits, committerOptions);
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
    if (this.batch.size === 0 || !this.slots.canStart(this.batch)) return;
    const age = Date.now() - this.batch.openedAt;
    const wait = this.waitMs(age);
    if (this.batch.size >= this.batchSize || wait <= 0 || this.stopping) {
      clearTimeout(this.timer);
      this.timer = undefined;
      const batch = this.batch;
      void this.slots
        .start(batch, (committer) => this.commit(committer, batch))
        .then(() => {
          this.stats.commitStartedAtMs = this.slots.oldestStartMs();
          this.schedule();
        });
      this.stats.commitStartedAtMs = this.slots.oldestStartMs();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
    }
  }

  /**
   * How much longer the open batch may wait for more deliveries. A quiet stream's batch goes when its oldest
   * delivery is `flushMs` old, so lag stays in tens of milliseconds. A batch that already holds a tenth of
   * `batchSize` by then (at the defaults, a stream of about 25,000 deliveries/s or more) waits up to
   * BUSY_FLUSH_FACTOR times as long: a commit has a fixed cost (DuckDB's appender flushes are about half a
   * millisecond each, four a batch), and under load spreading it over 2,200-3,100 deliveries instead of
   * 1,100-1,400 cut the consumer's CPU an event from about 16.5 to 14-16 us (bench consumer, 2026-12-07).
   */
  private waitMs(age: number): number {
    if (age < this.flushMs) return this.flushMs - age;
    if (this.batch.size < this.batchSize / 10) return 0;
    return this.flushMs * BUSY_FLUSH_FACTOR - age;
  }

  private async commit(committer: BatchCommitter, batch: Batch): Promise<void> {
    this.batch = new Batch();
    this.stats.pending = 0;
    if (this.paused) {
      this.paused = false;
      // Not now: resume() hands over held messages synchronously, and their schedule() would start a second
      // commit before this one is recorded as running (deep recursion with a small maxPending).
      process.nextTick(() => this.session.resume());
    }
    let tally: CommitTally;
    try {
      tally = await committer.commit(batch);
    } catch (err) {
      if (err instanceof CommitAbandoned) return;
      this.stop(err as SeamError);
      return;
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
    while (Date.now() < deadline && (this.slots.busy > 0 || this.batch.size > 0)) {
      this.schedule();
      await Promise.race([...this.slots.underWay, new Promise((r) => setTimeout(r, 50))]);
    }
    clearTimeout(this.timer);
    const drained = this.slots.busy === 0 && this.batch.size === 0;
    // Whatever is still uncommitted stays unacknowledged: the broker redelivers it to the next consumer.
    this.closed = true;
    return drained;
  }
}

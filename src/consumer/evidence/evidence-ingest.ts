import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { decodeEvidence, DEFAULT_MAX_EVIDENCE_BYTES, isSeamError, type SeamError } from '../../contract/index.ts';
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
import type { DetectionStore } from '../../store/store.ts';
import { deadLetterOf } from '../ingest/dead-letter.ts';
import { PoisonLog } from '../ingest/poison-log.ts';
import { refusalOf } from '../ingest/store-failure.ts';
import type { Delivery, SubscriberSession } from '../mqtt/subscriber-session.ts';
import { Retrier } from './retrier.ts';

export interface EvidenceIngestOptions {
  store: EvidenceStore;
  /** Where poison goes: the detection store's dead_letters, with the raw bytes (`seamline dead-letters`). */
  deadLetters: Pick<DetectionStore, 'writeDeadLetters'>;
  session: SubscriberSession;
  /** Largest evidence payload taken (default DEFAULT_MAX_EVIDENCE_BYTES, 1,000,000); larger is dead-lettered. */
  maxEvidenceBytes?: number;
  /** Images stored at once (default 4): a put waits on fsync or a round trip, not on the CPU. */
  concurrency?: number;
  /** Deliveries held before reading pauses (default 64): at most this many images in memory beyond the puts. */
  maxQueued?: number;
  /** Store retry backoff, ms (defaults 100 doubling to 5,000, as the detection path's). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  logger?: Logger;
}

/** What the evidence ingest counted since it started; the metrics mirror it. */
export interface EvidenceIngestStats {
  received: number;
  /** Images newly stored, and their bytes (the JPEG bytes). */
  stored: number;
  bytes: number;
  /** Images the store already had (a redelivery, or another consumer's copy): acknowledged, nothing written. */
  duplicates: number;
  /** Poison (malformed, oversize, digest mismatch, ...) and images the store refused, each written to dead_letters once. */
  deadLettered: number;
  /** Failed store attempts (put or dead letter), each retried; the message stays unacknowledged meanwhile. */
  storeFailures: number;
  /** Deliveries received and not yet acknowledged. */
  pending: number;
}

/**
 * The consumer's evidence path: each delivery is verified (decodeEvidence), then stored (put) or, if it is
 * poison, dead-lettered with its raw bytes, and acknowledged only after that resolved. A store that fails is
 * retried with backoff and nothing is acknowledged meanwhile: the broker keeps the image. Reading pauses
 * while `maxQueued` deliveries wait, so a slow store holds images in the broker, not in memory. Its own
 * session, so images never take the detections' receive window. Emits 'stored' and 'dead-letter' for tests
 * and logs, 'store-error' (Error) on each failed attempt.
 */
export class EvidenceIngest extends EventEmitter {
  readonly stats: EvidenceIngestStats = { received: 0, stored: 0, bytes: 0, duplicates: 0, deadLettered: 0, storeFailures: 0, pending: 0 };
  private readonly queue: Delivery[] = [];
  private active = 0;
  private paused = false;
  private readonly retrier: Retrier;
  private readonly poisonLog: PoisonLog;
  private readonly log: Logger;

  constructor(private readonly options: EvidenceIngestOptions) {
    super();
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'evidence-ingest' });
    this.poisonLog = new PoisonLog(this.log);
    this.retrier = new Retrier({
      initialMs: options.retryInitialMs ?? 100,
      maxMs: options.retryMaxMs ?? 5_000,
      onFailure: (err, what) => {
        this.stats.storeFailures++;
        this.log.warn({ err: err.message, what }, 'evidence store failed; retrying, the image stays unacknowledged');
        this.emit('store-error', err);
      },
    });
    options.session.on('message', (d: Delivery) => this.onMessage(d));
  }

  onMessage(delivery: Delivery): void {
    this.stats.received++;
    this.stats.pending++;
    this.queue.push(delivery);
    if (!this.paused && this.queue.length >= (this.options.maxQueued ?? 64)) {
      this.paused = true;
      this.options.session.pause();
    }
    this.pump();
  }

  private pump(): void {
    while (this.active < (this.options.concurrency ?? 4) && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      this.active++;
      void this.handle(delivery).finally(() => {
        this.active--;
        if (this.paused && this.queue.length <= (this.options.maxQueued ?? 64) / 2) {
          this.paused = false;
          this.options.session.resume();
        }
        this.pump();
      });
    }
  }

  private async handle(delivery: Delivery): Promise<void> {
    try {
      const decoded = decodeEvidence(delivery.topic, delivery.payload, this.options.maxEvidenceBytes ?? DEFAULT_MAX_EVIDENCE_BYTES);
      if (!decoded.ok) await this.deadLetter(delivery, decoded.error);
      else await this.store(delivery, decoded.evidence);
    } catch (err) {
      // Only a stop abandons a message: it stays unacknowledged, and the broker redelivers it.
      if (!this.retrier.stopped) this.log.error({ err: (err as Error).message }, 'evidence message left unacknowledged');
      return;
    } finally {
      this.stats.pending--;
    }
    if (delivery.qos === 1) this.options.session.ack(delivery);
  }

  private async store(delivery: Delivery, evidence: Parameters<EvidenceStore['put']>[0]): Promise<void> {
    const receivedAt = new Date();
    let outcome: 'stored' | 'duplicate';
    try {
      outcome = await this.retrier.run('evidence put', () => this.options.store.put(evidence, receivedAt), isRefusal);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      return this.deadLetter(delivery, refusalOf(err));
    }
    if (outcome === 'duplicate') {
      this.stats.duplicates++;
      return;
    }
    this.stats.stored++;
    this.stats.bytes += evidence.image.byteLength;
    this.emit('stored', evidence.header);
  }

  private async deadLetter(delivery: Delivery, error: SeamError): Promise<void> {
    const letter = deadLetterOf(delivery, error);
    await this.retrier.run('evidence dead letter', () => this.options.deadLetters.writeDeadLetters([letter]));
    this.stats.deadLettered++;
    this.poisonLog.record(delivery.topic, error);
    this.emit('dead-letter', letter);
  }

  /** Stops taking messages and waits for the ones being stored; what is still queued stays with the broker. */
  async drain(timeoutMs = 8_000): Promise<boolean> {
    this.options.session.pause();
    // Never started: unacknowledged, so the broker hands them to the next session.
    this.stats.pending -= this.queue.length;
    this.queue.length = 0;
    const deadline = Date.now() + timeoutMs;
    while (this.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.retrier.stop();
    return this.active === 0;
  }
}

/** An image the store will not keep, whatever the retry: dead-lettered with the store's reason. */
const isRefusal = (err: unknown) => isSeamError(err, 'SEAM_ERR_STORE_REFUSED');

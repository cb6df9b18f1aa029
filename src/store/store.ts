import { createHash } from 'node:crypto';
import type { DetectionV1, ErrorCode, StatusV1 } from '../contract/index.ts';
import type { StoreCapabilities } from './capabilities.ts';
import type { StoreReader } from './reader.ts';

/** A poison message kept with its raw bytes so it can be inspected or replayed after a fix. */
export interface DeadLetter {
  /**
   * The letter's identity, which a redelivery of the same message repeats: deadLetterId of the topic and
   * the raw bytes as they came, set by the consumer; without it a store takes deadLetterId of `topic` and
   * `payload` as given (letterIdOf). Stores keep one letter per id (docs/consumer.md#dead-letters).
   */
  id?: string;
  topic: string;
  payload: Buffer;
  code: ErrorCode;
  reason: string;
  receivedAt: Date;
}

/**
 * A dead letter's identity: SHA-256 (hex) of the topic as it came, a NUL, and the payload's raw bytes. MQTT gives a
 * message no identity that survives redelivery, so the content is the identity: the same bytes on the same topic
 * are one dead letter however often they are delivered (and however often they were published).
 */
export function deadLetterId(topic: string, payload: Buffer): string {
  return createHash('sha256').update(topic).update('\0').update(payload).digest('hex');
}

/** The identity a store keeps a letter under. */
export function letterIdOf(letter: DeadLetter): string {
  return letter.id ?? deadLetterId(letter.topic, letter.payload);
}

export interface WriteResult {
  /** Events newly stored by this call. */
  events: number;
  /** Detection rows newly stored by this call. */
  detections: number;
  /** Events in the batch that the store already held (redeliveries); stored nothing. */
  duplicates: number;
}

/**
 * Where the consumer commits: the one write interface every store implements (store/duckdb/store.ts, the
 * embedded default; store/postgres/store.ts; store/line-protocol/store.ts). Writes must be idempotent by
 * event_id: writing the same event twice, in one batch or across batches, processes or restarts, stores it
 * once. A resolved promise means committed; a rejected one means the batch may be retried as a whole (what a
 * failed write left behind, the retry finds and skips).
 *
 * A write rejects with a SeamError whose code says what the failure means, each store deciding from its
 * own server's answer (docs/consumer.md#when-the-store-says-no):
 * - SEAM_ERR_STORE_UNAVAILABLE: waiting may cure it (connection, timeout, overload). The consumer retries.
 * - SEAM_ERR_STORE_REFUSED: something in the batch cannot be stored. The consumer splits the batch until it
 *   finds the refused messages and dead-letters them; the rest commits.
 * - SEAM_ERR_CONFIG: the store itself is wrong (credentials, database, permissions). The consumer believes it
 *   only when `probe` fails too, so that no payload can pass for a broken configuration.
 */
export interface DetectionStore {
  readonly name: string;
  /** What the store keeps besides the events (capabilities.ts): the consumer repairs when it has a repair ledger. */
  readonly capabilities: StoreCapabilities;
  /**
   * Batch writes the store takes at once from one consumer (absent: 1). A server store works on one while
   * the consumer encodes and sends the next; an in-process store with one connection takes one.
   */
  readonly concurrentWrites?: number;
  open(): Promise<void>;
  /**
   * `fresh`, when given, receives the captured_at (epoch ms) of each event this call newly stored, so the
   * consumer's lag histogram observes stored events only, not redeliveries the store refused.
   */
  write(events: readonly DetectionV1[], committedAt: Date, fresh?: number[]): Promise<WriteResult>;
  writeDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  /** Latest status per camera (upsert); the SQL stores also log state changes and roll up heartbeat figures. */
  writeStatus(status: StatusV1, receivedAt: Date): Promise<void>;
  /**
   * A consumer's own figures every few seconds: the SQL stores keep all of it for the health panel, the
   * line-protocol stores the cameras' clock figures only.
   */
  writeConsumerSample(sample: ConsumerSample): Promise<void>;
  /**
   * Writes one known-good event the way `write` does, where no reader sees it (rolled back, or a probe
   * series of its own), and rejects as `write` would. The consumer asks it when a batch keeps failing: the
   * probe failing too means the store or its configuration; the probe passing means the batch.
   */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** A store as registry/registry.ts builds it: what the consumer writes through and what the dashboard reads. */
export type Store = DetectionStore & StoreReader;

/** What a consumer process reports about itself, sampled by the consumer into the store. */
export interface ConsumerSample {
  /** Its client id. */
  consumer: string;
  atMs: number;
  /** Messages received and not yet acknowledged. */
  inFlight: number;
  /** Deliveries waiting for a commit. */
  pending: number;
  /** Per camera, the events this consumer committed since its previous sample (consumer/capture-offsets.ts). */
  cameras?: CameraClock[];
}

/**
 * How long after their captured_at one camera's events were committed, over one sample period: the
 * smallest figure is the camera's clock offset (a healthy pipeline's floor is tens of ms; a clock an hour
 * behind adds 3,600,000 ms, one ahead makes it negative).
 */
export interface CameraClock {
  region: string;
  site: string;
  camera: string;
  /** Smallest and largest commit time - captured_at, ms. */
  minLagMs: number;
  maxLagMs: number;
  events: number;
}

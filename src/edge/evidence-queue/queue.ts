import { cameraKey, isSeamError, SeamError } from '../../contract/index.ts';
import type { EvidenceSink } from '../evidence/sink.ts';
import { EvidenceEnvironment, type NextImageSeq } from './environment.ts';
import { checkOffer, type OfferMeta } from './offer-check.ts';
import { evidenceQueuePolicy, type EvidenceQueueOptions, type EvidenceQueuePolicy } from './options.ts';
import { QueueCounters, type EvidenceQueueStats } from './counters.ts';
import { stampImage } from './stamp.ts';

export type { EvidenceQueueStats } from './counters.ts';

/** `writing`: put not yet committed; `waiting`: may be sent; `sending`: PUBLISHed, its PUBACK not yet in. */
type EntryState = 'writing' | 'waiting' | 'sending';

interface QueuedImage {
  event_id: string;
  topic: string;
  bytes: number;
  state: EntryState;
}

/** One image ready to publish. */
export interface OutgoingImage {
  position: number;
  event_id: string;
  topic: string;
  payload: Buffer;
}

/**
 * The edge's image queue: a byte-bounded FIFO of evidence messages on its own LMDB environment, apart from
 * the outbox, so images can never take an event's space. `offer` never blocks and never throws: an image is
 * checked on its header, takes its place at once, and is written in the background; when the bound is reached
 * the oldest images not in flight give way (counted in `dropped` and `dropped_bytes`). One image per event_id:
 * a second offer of a queued event_id is counted in `duplicates` and ignored. An image leaves only on its
 * PUBACK (`acknowledge`) or when dropped; whatever is queued at a restart is still there and sent after it.
 *
 * Each image is numbered as it is queued (evidence.v1 `image_stream`: this queue's stream id and the camera's
 * next number), the number stored in the same transaction as the image: a number the stores never receive is
 * an image lost after capture (dropped here, or lost by a broker after its PUBACK), and they count it. An image
 * a crash took before its write committed took no number, and was never counted captured (`onStored`).
 */
export class EvidenceQueue implements EvidenceSink {
  readonly policy: EvidenceQueuePolicy;
  private readonly env: EvidenceEnvironment;
  /** Position -> image, in position order (a Map iterates in insertion order, and positions only grow). */
  private readonly entries = new Map<number, QueuedImage>();
  private readonly byEventId = new Map<string, number>();
  private readonly counters = new QueueCounters();
  private nextPosition = 0;
  private closed = false;
  private readonly pendingWrites = new Set<Promise<void>>();
  /** Each camera's next image number (image_stream.seq), read from the environment at a camera's first image. */
  private readonly nextSeq = new Map<string, number>();
  /** Called when an image becomes ready to send: the publisher's `schedule`. */
  onReady: () => void = () => {};
  /** Called once an image and its number are stored: from then on it is sent, dropped and counted, or restored. */
  onStored: (eventId: string, seq: number) => void = () => {};

  constructor(options: EvidenceQueueOptions) {
    this.policy = evidenceQueuePolicy(options);
    this.env = new EvidenceEnvironment(this.policy.path, this.policy.fsync);
    for (const [position, stored] of this.env.stored()) {
      this.entries.set(position, { ...stored, state: 'waiting' });
      this.byEventId.set(stored.event_id, position);
      this.counters.queueBytes += stored.bytes;
      this.counters.restored++;
      this.nextPosition = position + 1;
    }
  }

  /** Queues one evidence message; never blocks, never throws (a refusal is counted and logged). */
  offer(payload: Buffer, meta: OfferMeta): void {
    try {
      if (this.closed) throw new SeamError('SEAM_ERR_INVALID_INPUT', 'evidence offer: the image queue is closed', { field: 'queue' });
      const max = Math.min(this.policy.maxMessageBytes, this.policy.maxBytes);
      const { topic, header, image } = checkOffer(payload, meta, max);
      if (this.byEventId.has(meta.event_id)) {
        this.counters.duplicates++;
        return;
      }
      const camera = cameraKey(header);
      const seq = this.nextSeq.get(camera) ?? this.env.nextSeq(camera);
      const stamped = stampImage(header, image, { id: this.env.streamId, seq }, max);
      if (!this.makeRoom(stamped.byteLength)) return;
      this.nextSeq.set(camera, seq + 1);
      this.append(stamped, { event_id: meta.event_id, topic, bytes: stamped.byteLength }, { camera, next: seq + 1 });
    } catch (err) {
      this.refused(err, meta);
    }
  }

  private append(payload: Buffer, image: Omit<QueuedImage, 'state'>, seq: NextImageSeq): void {
    const position = this.nextPosition++;
    const entry: QueuedImage = { ...image, state: 'writing' };
    this.entries.set(position, entry);
    this.byEventId.set(image.event_id, position);
    this.counters.queueBytes += image.bytes;
    this.counters.offered++;
    const write = this.env.write(position, payload, image, seq).then(
      () => {
        // Stored with its number even if dropped meanwhile: the number is taken, the stores will count it missing.
        this.onStored(image.event_id, seq.next - 1);
        if (entry.state !== 'writing') return;
        entry.state = 'waiting';
        this.onReady();
      },
      (err: unknown) => {
        // A failed write (disk full) loses this image, not the queue: count it as dropped and go on.
        this.policy.logger.error({ err: (err as Error).message, event_id: image.event_id }, 'evidence queue write failed; image dropped');
        if (this.entries.get(position) === entry) this.drop(position, entry);
      },
    );
    this.pendingWrites.add(write);
    void write.finally(() => this.pendingWrites.delete(write));
  }

  /**
   * Drops the oldest images not in flight until `bytes` more fit; an image in flight stays, its PUBACK may be
   * on its way. False (the new image dropped and counted) when those in flight alone leave no room.
   */
  private makeRoom(bytes: number): boolean {
    const max = this.policy.maxBytes;
    if (this.counters.queueBytes + bytes <= max) return true;
    for (const [position, entry] of this.entries) {
      if (entry.state === 'sending') continue;
      this.drop(position, entry);
      if (this.counters.queueBytes + bytes <= max) return true;
    }
    this.counters.offered++;
    this.counters.dropped++;
    this.counters.droppedBytes += bytes;
    this.counters.noteDrop(this.policy.logger, max);
    return false;
  }

  private drop(position: number, entry: QueuedImage): void {
    this.forget(position, entry);
    this.counters.dropped++;
    this.counters.droppedBytes += entry.bytes;
    this.counters.noteDrop(this.policy.logger, this.policy.maxBytes);
  }

  private forget(position: number, entry: QueuedImage): void {
    this.entries.delete(position);
    this.byEventId.delete(entry.event_id);
    this.counters.queueBytes -= entry.bytes;
    this.env.remove(position);
  }

  private refused(err: unknown, meta: OfferMeta | undefined): void {
    this.counters.refuse(err, this.policy.logger, typeof meta?.event_id === 'string' ? meta.event_id : undefined);
    if (!isSeamError(err)) this.policy.logger.error({ err: String(err) }, 'evidence offer failed unexpectedly');
  }

  /** The oldest images ready to send, at most `count`, marked in flight (counted in `sent`). */
  take(count: number): OutgoingImage[] {
    const out: OutgoingImage[] = [];
    for (const [position, entry] of this.entries) {
      if (out.length >= count) break;
      if (entry.state !== 'waiting') continue;
      const payload = this.env.read(position);
      if (!payload) {
        this.drop(position, entry); // cannot happen short of a damaged file; never wedge on it
        continue;
      }
      entry.state = 'sending';
      this.counters.sent++;
      out.push({ position, event_id: entry.event_id, topic: entry.topic, payload });
    }
    return out;
  }

  /** The broker's PUBACK: the image leaves the queue. */
  acknowledge(position: number): void {
    const entry = this.entries.get(position);
    if (entry?.state !== 'sending') return;
    this.forget(position, entry);
    this.counters.acked++;
  }

  /** A PUBLISH that will never be acknowledged (lost connection): the image is sent again, first. */
  requeue(position: number): void {
    const entry = this.entries.get(position);
    if (entry?.state === 'sending') entry.state = 'waiting';
  }

  /** Gives up on an image the broker refused for good (counted in `rejected` and `dropped`). */
  reject(position: number): void {
    const entry = this.entries.get(position);
    if (!entry) return;
    this.counters.rejected++;
    this.drop(position, entry);
  }

  /** This queue's image stream id (evidence.v1 image_stream.id). */
  get streamId(): string {
    return this.env.streamId;
  }

  /** The event_ids of the images queued now (restored ones included). */
  queuedEventIds(): string[] {
    return [...this.byEventId.keys()];
  }

  get hasWaiting(): boolean {
    for (const entry of this.entries.values()) if (entry.state === 'waiting') return true;
    return false;
  }

  /** The publisher's one count: everything else is counted here, so one set of counters says it all. */
  countReconnect(): void {
    this.counters.reconnects++;
  }

  stats(): EvidenceQueueStats {
    return this.counters.stats(this.entries.size);
  }

  /** Refuses later offers, waits for the writes under way, closes the environment; what is queued stays on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.pendingWrites]);
    await this.env.close();
  }
}

import { SeamError } from '../../contract/index.ts';
import { decodeEntry, legacyStreamAndSeq, readHeader } from './entry.ts';
import type { OutboxEnvironment } from './environment.ts';
import { droppedKey } from './meta.ts';
import type { OutboxOptions, OutboxPolicy } from './options.ts';
import type { PositionIndex } from './positions.ts';
import type { StreamSeqs } from './stream-seqs.ts';
import type { StreamTable } from './streams.ts';

/** How often acknowledged events past their age are let go; and how many at most per pass. */
export const AGE_CHECK_MS = 1_000;
const AGE_EVICTIONS_PER_PASS = 50_000;

/**
 * What leaves the outbox before the publisher is done with it, and how much: acknowledged entries leaving
 * the replay window (evicted: space, the window's byte bound, its age) and entries still waiting dropped by
 * the outbox's byte bound under `drop-oldest` (the only loss the bridge allows, counted and reported).
 */
export class Eviction {
  dropped = 0;
  droppedBytes = 0;
  evicted = 0;
  evictedBytes = 0;

  constructor(
    private readonly env: OutboxEnvironment,
    private readonly index: PositionIndex,
    private readonly streams: StreamTable,
    private readonly policy: OutboxPolicy,
    private readonly events: Pick<OutboxOptions, 'onDrop' | 'onEvict'>,
  ) {}

  /** Applies both byte bounds at once: they may have been lowered since the last run (or the window turned off). */
  applyBounds(): void {
    this.evictWhile(() => this.index.windowBytes > this.policy.replayMaxBytes || this.index.storedBytes > this.policy.maxBytes, Infinity);
  }

  /** Keeps the replay window within its byte bound (after a PUBACK added to it). */
  applyWindowBound(): void {
    this.evictWhile(() => this.index.windowBytes > this.policy.replayMaxBytes, Infinity);
  }

  /**
   * Makes room for an entry of `size` bytes within the outbox's bound, or throws SEAM_ERR_OUTBOX_FULL
   * (reject-new, or an entry larger than the bound).
   */
  makeRoom(size: number): void {
    const { maxBytes } = this.policy;
    if (size > maxBytes) {
      throw new SeamError('SEAM_ERR_OUTBOX_FULL', `an entry of ${size} bytes can never fit the outbox bound of ${maxBytes} bytes`, {
        field: 'maxBytes',
      });
    }
    if (this.index.storedBytes + size <= maxBytes) return;
    if (this.policy.overflow === 'reject-new' && this.index.bytes + size > maxBytes) {
      throw new SeamError(
        'SEAM_ERR_OUTBOX_FULL',
        `outbox holds ${this.index.bytes} of ${maxBytes} bytes (${this.index.depth} events) and the policy is reject-new`,
        { field: 'outbox' },
      );
    }
    // Acknowledged events give way first: the broker has them, and the window is a second chance only.
    this.evictWhile(() => this.index.storedBytes + size > maxBytes, Infinity);
    let count = 0;
    let bytes = 0;
    while (this.index.storedBytes + size > maxBytes) {
      const oldest = this.index.oldest()!;
      const at = this.forget(oldest);
      bytes += at.size;
      if (at.stream && at.seq !== undefined) void this.env.meta.put(droppedKey(at.stream.name), at.stream.drop(at.seq, at.seq));
      count++;
    }
    if (count === 0) return;
    this.dropped += count;
    this.droppedBytes += bytes;
    this.events.onDrop?.(count, bytes);
  }

  /** Deletes one stored entry and its seq; returns what it was. */
  forget(position: number): { size: number; stream: StreamSeqs | undefined; seq: number | undefined } {
    const raw = this.env.entries.getBinaryFast(position);
    const h = raw ? readHeader(raw) : undefined;
    let stream = h?.streamId !== undefined ? this.streams.withId(h.streamId) : undefined;
    let seq = h?.seq;
    if (raw && h && h.streamId === undefined) {
      const legacy = legacyStreamAndSeq(decodeEntry(position, raw));
      stream = legacy ? this.streams.get(legacy.stream) : undefined;
      seq = legacy?.seq;
    }
    const size = this.index.remove(position);
    void this.env.entries.remove(position);
    if (stream && seq !== undefined) stream.remove(seq);
    return { size, stream, seq };
  }

  /** Lets go of acknowledged entries accepted before `now` minus the window's age, a pass at a time. */
  evictExpired(now: number): void {
    const cutoff = now - this.policy.replayMaxAgeMs;
    this.evictWhile(() => {
      const raw = this.env.entries.getBinaryFast(this.index.oldestAcknowledged()!);
      return raw === undefined || readHeader(raw).acceptedAt < cutoff;
    }, AGE_EVICTIONS_PER_PASS);
  }

  /** Evicts the oldest acknowledged entries while `more()` holds, at most `limit` of them. */
  private evictWhile(more: () => boolean, limit: number): void {
    let count = 0;
    let bytes = 0;
    while (count < limit && this.index.windowDepth > 0 && more()) {
      bytes += this.forget(this.index.oldestAcknowledged()!).size;
      count++;
    }
    if (count === 0) return;
    this.evicted += count;
    this.evictedBytes += bytes;
    this.events.onEvict?.(count, bytes);
  }
}

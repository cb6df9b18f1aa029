import { SeamError } from '../../contract/index.ts';
import type { AckMark } from './ack-mark.ts';
import { decodeEntry, encodeEntry, type OutboxEntry } from './entry.ts';
import { OutboxEnvironment } from './environment.ts';
import { AGE_CHECK_MS, Eviction } from './eviction.ts';
import { ACKED, loadIncarnation, type Incarnation } from './meta.ts';
import { outboxPolicy, type FsyncPolicy, type OutboxOptions, type OverflowPolicy } from './options.ts';
import { PositionIndex } from './positions.ts';
import { reopenOutbox } from './reopen.ts';
import type { SeqSpan } from './seq-lookup.ts';
import { StreamTable, type StreamInfo } from './streams.ts';

export type { OutboxEntry } from './entry.ts';
export type { Incarnation } from './meta.ts';
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_REPLAY_MAX_AGE_MS,
  DEFAULT_REPLAY_MAX_BYTES,
  type FsyncPolicy,
  type OutboxOptions,
  type OverflowPolicy,
} from './options.ts';
export type { SeqSpan, SeqState } from './seq-lookup.ts';
export type { StreamInfo } from './streams.ts';

export interface OutboxStats {
  /** Events waiting for their PUBACK. */
  depth: number;
  bytes: number;
  dropped: number;
  droppedBytes: number;
  /** Acknowledged events kept for replay. */
  windowDepth: number;
  windowBytes: number;
  /** Acknowledged events that left the window since the outbox opened. */
  evicted: number;
  evictedBytes: number;
}

/**
 * A durable, byte-bounded FIFO of MQTT messages on LMDB, which keeps what the broker acknowledged for a
 * while (the replay window), so that a consumer can ask for an event the broker lost after its PUBACK.
 * Keys are consecutive positions. Writes of one event-loop turn share one LMDB transaction, and so one
 * fsync: that is the group commit (environment.ts). Per-stream `seq` counters live in the same environment
 * and are written in the same transaction as the entry that uses them, so a `seq` acknowledged to a
 * producer is never handed out again.
 *
 * The parts: environment.ts (LMDB and its transactions), streams.ts (seq counters and each stream's seq
 * index), positions.ts (sizes and states in memory), eviction.ts (the byte bounds and the window's age),
 * ack-mark.ts (which PUBACKs survive a restart), reopen.ts (the indexes rebuilt from disk).
 */
export class Outbox {
  private readonly env: OutboxEnvironment;
  private readonly index = new PositionIndex();
  private readonly streams: StreamTable;
  private readonly eviction: Eviction;
  private readonly ageTimer: NodeJS.Timeout | undefined;
  private nextPosition: number;
  private ackMark: AckMark;
  private ackMarkQueued = false;
  private closed = false;
  /** oldestAcceptedAt() as it was at close(): stats read after a close must not touch the closed environment. */
  private oldestAtClose: number | undefined;

  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
  readonly fsync: FsyncPolicy;
  readonly replayMaxBytes: number;
  readonly replayMaxAgeMs: number;
  readonly incarnation: Incarnation;

  constructor(options: OutboxOptions) {
    const policy = outboxPolicy(options);
    this.maxBytes = policy.maxBytes;
    this.overflow = policy.overflow;
    this.fsync = policy.fsync;
    this.replayMaxBytes = policy.replayMaxBytes;
    this.replayMaxAgeMs = policy.replayMaxAgeMs;
    this.env = new OutboxEnvironment(options.path, policy.fsync);
    this.streams = new StreamTable(this.env.meta);
    this.eviction = new Eviction(this.env, this.index, this.streams, policy, options);
    this.incarnation = loadIncarnation(this.env.meta).incarnation;
    const reopened = reopenOutbox(this.env, this.streams, this.index);
    this.nextPosition = reopened.nextPosition;
    this.ackMark = reopened.ackMark;
    // The bounds may have been lowered since the last run (or the window turned off): apply them now.
    this.eviction.applyBounds();
    if (this.replayMaxBytes > 0 && this.replayMaxAgeMs > 0) {
      this.ageTimer = setInterval(() => this.evictExpired(), AGE_CHECK_MS);
      this.ageTimer.unref();
    }
  }

  /** The seq the next append for `stream` will carry (last stored + 1, starting at 1). Does not reserve it. */
  peekSeq(stream: string): number {
    return this.streams.peekSeq(stream);
  }

  /**
   * Appends a message. The synchronous part reserves the position, consumes `seq` (which must be
   * `peekSeq(stream)`) and applies the byte bound; the promise resolves when the entry is durable as the
   * fsync policy defines it. Throws SEAM_ERR_OUTBOX_FULL (reject-new, or an entry larger than the bound).
   */
  append(topic: string, payload: Uint8Array, stream: string, seq: number): { position: number; durable: Promise<void> } {
    if (this.closed) throw new SeamError('SEAM_ERR_CONFIG', 'outbox is closed', { field: 'outbox' });
    const expected = this.streams.peekSeq(stream);
    if (seq !== expected) throw new RangeError(`seq for ${stream} must be ${expected}, got ${seq}`);
    const seqs = this.streams.streamFor(stream);
    const value = encodeEntry(topic, payload, Date.now(), seqs.id, seq);
    this.eviction.makeRoom(value.length);
    const position = this.nextPosition++;
    const first = this.streams.assign(stream, seq);
    this.index.add(position, value.length);
    seqs.add(seq, position);
    const durable = this.env.writeEntry(position, value, stream, seq, this.nextPosition, first);
    return { position, durable };
  }

  /** Lets go of acknowledged entries past the window's age. Runs on a timer; callable for tests. */
  evictExpired(now = Date.now()): void {
    if (this.closed) return;
    this.eviction.evictExpired(now);
  }

  /**
   * The broker acknowledged `position`: it leaves the events waiting to be sent and joins the replay
   * window (or is deleted, with the window off). Returns false if it was not waiting (dropped, or a
   * repeated ack).
   */
  acknowledge(position: number): boolean {
    if (this.index.acknowledge(position) === 0) return false;
    if (this.replayMaxBytes === 0) {
      this.eviction.forget(position);
    } else {
      this.eviction.applyWindowBound();
    }
    this.ackMark.noteAck(position);
    this.queueAckMark();
    return true;
  }

  /** Persists, once per event-loop turn, which entries the broker has; reopening trusts it (ack-mark.ts). */
  private queueAckMark(): void {
    if (this.ackMarkQueued) return;
    this.ackMarkQueued = true;
    setImmediate(() => {
      this.ackMarkQueued = false;
      if (!this.closed) this.persistAckMark();
    });
  }

  private persistAckMark(): void {
    const record = this.ackMark.advance((p) => this.index.has(p));
    if (record) void this.env.meta.put(ACKED, record);
  }

  /** True while `position` is waiting for its PUBACK. */
  has(position: number): boolean {
    return this.index.has(position);
  }

  /** True if any entry at or after `position` waits for its PUBACK, committed or not yet. */
  hasWaitingFrom(position: number): boolean {
    return this.index.nextLive(position) !== undefined;
  }

  /**
   * Up to `limit` committed entries waiting for their PUBACK, from `from` on, in position order. Entries
   * appended but not yet committed are not visible here; callers read after `durable` resolves.
   */
  read(from: number, limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    if (limit <= 0) return out;
    const start = this.index.nextLive(from);
    if (start === undefined) return out;
    for (const { key, value } of this.env.entries.getRange({ start })) {
      if (!this.index.has(key)) continue; // acknowledged or gone in memory, not yet committed
      out.push(decodeEntry(key, value));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The entry at `position`, waiting or acknowledged, if it is stored and committed. */
  get(position: number): OutboxEntry | undefined {
    if (this.index.size(position) === 0) return undefined;
    const value = this.env.entries.get(position);
    return value === undefined ? undefined : decodeEntry(position, value);
  }

  /** Where each seq of `stream` in [from, to] is, or why it is not here. See seq-lookup.ts. */
  describe(stream: string, from: number, to: number): SeqSpan[] {
    return this.describeUpTo(stream, from, to).spans;
  }

  /** As describe(), walking at most `limit` stored seqs; `describedTo` says how far it got. */
  describeUpTo(stream: string, from: number, to: number, limit = Infinity): { spans: SeqSpan[]; describedTo: number } {
    return this.streams.describeUpTo(stream, from, to, limit, (p) => this.index.has(p));
  }

  /** Streams this outbox has assigned seqs to. */
  streamNames(): string[] {
    return this.streams.names();
  }

  streamInfo(stream: string): StreamInfo {
    return this.streams.info(stream, (p) => this.index.has(p));
  }

  /** Epoch ms when the oldest entry still waiting for its PUBACK was appended, or undefined when none waits. */
  oldestAcceptedAt(): number | undefined {
    if (this.closed) return this.oldestAtClose;
    const oldest = this.index.oldest();
    if (oldest === undefined) return undefined;
    const value = this.env.entries.getBinaryFast(oldest);
    return value === undefined ? Date.now() : value.readDoubleLE(0);
  }

  /** Position one past the last appended entry. */
  get end(): number {
    return this.nextPosition;
  }

  stats(): OutboxStats {
    const e = this.eviction;
    return {
      depth: this.index.depth,
      bytes: this.index.bytes,
      dropped: e.dropped,
      droppedBytes: e.droppedBytes,
      windowDepth: this.index.windowDepth,
      windowBytes: this.index.windowBytes,
      evicted: e.evicted,
      evictedBytes: e.evictedBytes,
    };
  }

  /** Waits until every write so far is committed and fsync'd (unless fsync is `never`). */
  flush(): Promise<void> {
    return this.env.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.oldestAtClose = this.oldestAcceptedAt();
    this.closed = true;
    clearInterval(this.ageTimer);
    this.persistAckMark();
    await this.env.close();
  }
}

export function openOutbox(options: OutboxOptions): Outbox {
  return new Outbox(options);
}

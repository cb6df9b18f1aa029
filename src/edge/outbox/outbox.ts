import { open, type Database, type RootDatabase } from 'lmdb';
import { SeamError } from '../../contract/index.ts';
import { PositionIndex } from './positions.ts';
import { decodeEntry, encodeEntry, legacyStreamAndSeq, readHeader, type OutboxEntry } from './entry.ts';
import { AckMark, type AckMarkRecord } from './ack-mark.ts';
import {
  ACKED,
  droppedKey,
  firstKey,
  knownStreams,
  loadIncarnation,
  NEXT_POSITION,
  numberAt,
  rangesAt,
  seqKey,
  sidKey,
  type Incarnation,
  type Meta,
} from './meta.ts';
import { StreamSeqs } from './stream-seqs.ts';
import { describeSeqs, type SeqSpan } from './seq-lookup.ts';

export type { OutboxEntry } from './entry.ts';
export type { Incarnation } from './meta.ts';
export type { SeqSpan, SeqState } from './seq-lookup.ts';

/**
 * What a power loss may cost (a process crash or SIGKILL costs nothing in any mode: a committed
 * transaction is in the OS page cache, which survives the process).
 *
 * - `always` (default): an append resolves only after the group commit holding it is fsync'd.
 *   A power loss costs nothing that was acknowledged to a producer.
 * - `batch`: an append resolves once its group commit is committed; the fsync of that commit runs right
 *   behind it (LMDB overlapping sync). A power loss may cost the last commit or two (milliseconds of events),
 *   and `seq` values of those events may be handed out again.
 * - `never`: no fsync at all (LMDB `noSync`); the kernel writes back when it likes (Linux: up to ~30 s).
 *   A power loss may cost that much, and on a file system that reorders writes the outbox may be lost whole.
 */
export type FsyncPolicy = 'always' | 'batch' | 'never';

/** `drop-oldest` (default) makes room by dropping the oldest events; `reject-new` refuses the new one. */
export type OverflowPolicy = 'drop-oldest' | 'reject-new';

export interface OutboxOptions {
  /** Directory of the LMDB environment; created if missing. */
  path: string;
  /**
   * Bound on the bytes of everything stored: events waiting for their PUBACK and acknowledged events kept
   * for replay (each counted as header + topic + payload). Acknowledged events give way first; only events
   * still waiting are subject to `overflow`. Default 4 GiB.
   */
  maxBytes?: number;
  /** What happens when an append would take the waiting events over `maxBytes`. Default `drop-oldest`. */
  overflow?: OverflowPolicy;
  /** Durability of an append; see {@link FsyncPolicy}. Default `always`. */
  fsync?: FsyncPolicy;
  /** Bound on the acknowledged events kept for replay (the replay window), bytes. 0 deletes at PUBACK. Default 2 GiB. */
  replayMaxBytes?: number;
  /** Acknowledged events older than this (since accepted) leave the window, ms. Default 24 h. */
  replayMaxAgeMs?: number;
  /** Called (synchronously) when waiting entries are dropped to make room, with how many and their bytes. */
  onDrop?: (count: number, bytes: number) => void;
  /** Called when acknowledged entries leave the replay window (space, its own bound, or age). */
  onEvict?: (count: number, bytes: number) => void;
}

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

/** What the outbox knows about one stream, for the bridge's repair announcements. */
export interface StreamInfo {
  stream: string;
  /** First seq this incarnation assigned (or found, when it took over an older outbox). */
  firstSeq: number;
  /** Oldest seq still stored (acknowledged or not), or undefined when none is. */
  storedFrom: number | undefined;
  /** Last seq assigned; 0 before the first. */
  lastSeq: number;
  /** Oldest seq still waiting for its PUBACK, or undefined when all stored ones were acknowledged. */
  unackedFrom: number | undefined;
}

export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
export const DEFAULT_REPLAY_MAX_BYTES = 2 * 1024 ** 3;
export const DEFAULT_REPLAY_MAX_AGE_MS = 24 * 3600 * 1000;
/** How often acknowledged events past their age are let go; and how many at most per pass. */
const AGE_CHECK_MS = 1_000;
const AGE_EVICTIONS_PER_PASS = 50_000;

/**
 * A durable, byte-bounded FIFO of MQTT messages on LMDB, which keeps what the broker acknowledged for a
 * while (the replay window), so that a consumer can ask for an event the broker lost after its PUBACK.
 * Keys are consecutive positions. Writes of one event-loop turn share one LMDB transaction (lmdb-js
 * event-turn batching), and so one fsync: that is the group commit. Per-stream `seq` counters live in the
 * same environment and are written in the same transaction as the entry that uses them, so a `seq`
 * acknowledged to a producer is never handed out again.
 */
export class Outbox {
  private readonly root: RootDatabase;
  private readonly entries: Database<Buffer, number>;
  private readonly meta: Meta;
  private readonly index = new PositionIndex();
  private readonly seqs = new Map<string, number>();
  private readonly streams = new Map<string, StreamSeqs>();
  private readonly streamsById = new Map<number, StreamSeqs>();
  private readonly firstSeqs = new Map<string, number>();
  private readonly waitForFlush: boolean;
  private readonly ageTimer: NodeJS.Timeout | undefined;
  private nextPosition: number;
  private nextStreamId = 1;
  private ackMark: AckMark = new AckMark();
  private ackMarkQueued = false;
  private dropped = 0;
  private droppedBytes = 0;
  private evicted = 0;
  private evictedBytes = 0;
  private closed = false;
  /** oldestAcceptedAt() as it was at close(): stats read after a close must not touch the closed environment. */
  private oldestAtClose: number | undefined;

  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
  readonly fsync: FsyncPolicy;
  readonly replayMaxBytes: number;
  readonly replayMaxAgeMs: number;
  readonly incarnation: Incarnation;

  constructor(private readonly options: OutboxOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.overflow = options.overflow ?? 'drop-oldest';
    this.fsync = options.fsync ?? 'always';
    this.replayMaxBytes = Math.min(options.replayMaxBytes ?? DEFAULT_REPLAY_MAX_BYTES, this.maxBytes);
    this.replayMaxAgeMs = options.replayMaxAgeMs ?? DEFAULT_REPLAY_MAX_AGE_MS;
    const bad = (field: string, reason: string) => new SeamError('SEAM_ERR_CONFIG', `${field} ${reason}`, { field });
    if (!(this.maxBytes > 0)) throw bad('maxBytes', `must be > 0, got ${this.maxBytes}`);
    if (!['drop-oldest', 'reject-new'].includes(this.overflow))
      throw bad('overflow', `must be drop-oldest or reject-new, got "${this.overflow}"`);
    if (!['always', 'batch', 'never'].includes(this.fsync)) throw bad('fsync', `must be always, batch or never, got "${this.fsync}"`);
    if (!(this.replayMaxBytes >= 0)) throw bad('replayMaxBytes', `must be >= 0, got ${options.replayMaxBytes}`);
    if (!(this.replayMaxAgeMs >= 0)) throw bad('replayMaxAgeMs', `must be >= 0, got ${options.replayMaxAgeMs}`);
    this.waitForFlush = this.fsync === 'always';
    this.root = open({
      path: options.path,
      noSync: this.fsync === 'never',
      // overlappingSync (the Linux default) lets the fsync of one commit run while the next one is built;
      // `separateFlushed` gives each write promise a `.flushed` so `always` can wait for the fsync itself.
      separateFlushed: true,
    });
    this.entries = this.root.openDB<Buffer, number>({ name: 'entries', encoding: 'binary' });
    this.meta = this.root.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
    this.incarnation = loadIncarnation(this.meta).incarnation;
    this.nextPosition = this.reopen();
    // The bounds may have been lowered since the last run (or the window turned off): apply them now.
    this.evictWhile(() => this.index.windowBytes > this.replayMaxBytes || this.index.storedBytes > this.maxBytes, Infinity);
    if (this.replayMaxBytes > 0 && this.replayMaxAgeMs > 0) {
      this.ageTimer = setInterval(() => this.evictExpired(), AGE_CHECK_MS);
      this.ageTimer.unref();
    }
  }

  /** Rebuilds the indexes from disk; returns the next position. */
  private reopen(): number {
    for (const key of this.meta.getKeys({ start: 'sid/', end: 'sid0' })) {
      const name = String(key).slice(4);
      const id = numberAt(this.meta, String(key))!;
      this.registerStream(name, id);
      this.nextStreamId = Math.max(this.nextStreamId, id + 1);
    }
    this.ackMark = new AckMark(this.meta.get(ACKED) as AckMarkRecord | undefined);
    let next = numberAt(this.meta, NEXT_POSITION) ?? 0;
    const lowestStored = new Map<string, number>();
    // Keys, and each value read in place (getBinaryFast, no copy): a full 2 GiB window reopens without
    // copying its payloads; only the headers are read.
    for (const key of this.entries.getKeys()) {
      const value = this.entries.getBinaryFast(key);
      if (value === undefined) continue;
      if (this.ackMark.isAcknowledged(key)) this.index.addAcknowledged(key, value.length);
      else this.index.add(key, value.length);
      next = Math.max(next, key + 1);
      const h = readHeader(value);
      let stream: StreamSeqs | undefined;
      let seq = h.seq;
      if (h.streamId !== undefined) {
        stream = this.streamsById.get(h.streamId);
      } else {
        // Written by a bridge before the replay window: read its stream and seq once, here.
        const legacy = legacyStreamAndSeq(decodeEntry(key, value));
        if (legacy) {
          stream = this.streamFor(legacy.stream);
          seq = legacy.seq;
        }
      }
      if (stream && seq !== undefined) {
        stream.add(seq, key);
        if (!lowestStored.has(stream.name)) lowestStored.set(stream.name, seq);
      }
    }
    for (const name of knownStreams(this.meta)) {
      const last = numberAt(this.meta, seqKey(name)) ?? 0;
      let first = numberAt(this.meta, firstKey(name));
      if (first === undefined) {
        // A stream this incarnation took over from an older bridge: what came before it is not here.
        first = Math.min(lowestStored.get(name) ?? last + 1, last + 1);
        void this.meta.put(firstKey(name), first);
      }
      this.firstSeqs.set(name, first);
      this.streamFor(name);
    }
    return next;
  }

  private registerStream(name: string, id: number): StreamSeqs {
    const s = new StreamSeqs(name, id, rangesAt(this.meta, droppedKey(name)));
    this.streams.set(name, s);
    this.streamsById.set(id, s);
    return s;
  }

  private streamFor(name: string): StreamSeqs {
    let s = this.streams.get(name);
    if (!s) {
      s = this.registerStream(name, this.nextStreamId++);
      void this.meta.put(sidKey(name), s.id);
    }
    return s;
  }

  /** The seq the next append for `stream` will carry (last stored + 1, starting at 1). Does not reserve it. */
  peekSeq(stream: string): number {
    let last = this.seqs.get(stream);
    if (last === undefined) {
      last = numberAt(this.meta, seqKey(stream)) ?? 0;
      this.seqs.set(stream, last);
    }
    return last + 1;
  }

  /**
   * Appends a message. The synchronous part reserves the position, consumes `seq` (which must be
   * `peekSeq(stream)`) and applies the byte bound; the promise resolves when the entry is durable as the
   * fsync policy defines it. Throws SEAM_ERR_OUTBOX_FULL (reject-new, or an entry larger than the bound).
   */
  append(topic: string, payload: Uint8Array, stream: string, seq: number): { position: number; durable: Promise<void> } {
    if (this.closed) throw new SeamError('SEAM_ERR_CONFIG', 'outbox is closed', { field: 'outbox' });
    const expected = this.peekSeq(stream);
    if (seq !== expected) throw new RangeError(`seq for ${stream} must be ${expected}, got ${seq}`);
    const seqs = this.streamFor(stream);
    const value = encodeEntry(topic, payload, Date.now(), seqs.id, seq);
    this.makeRoom(value.length);
    const position = this.nextPosition++;
    this.seqs.set(stream, seq);
    this.index.add(position, value.length);
    seqs.add(seq, position);
    // Same event turn, same transaction: the entry, its seq and the position counter commit together.
    const written = this.entries.put(position, value) as Promise<boolean> & { flushed?: Promise<unknown> };
    this.meta.put(seqKey(stream), seq);
    this.meta.put(NEXT_POSITION, this.nextPosition);
    if (!this.firstSeqs.has(stream)) {
      this.firstSeqs.set(stream, seq);
      this.meta.put(firstKey(stream), seq);
    }
    const durable = this.waitForFlush && written.flushed ? written.flushed.then(() => undefined) : written.then(() => undefined);
    return { position, durable };
  }

  private makeRoom(size: number): void {
    if (size > this.maxBytes) {
      throw new SeamError('SEAM_ERR_OUTBOX_FULL', `an entry of ${size} bytes can never fit the outbox bound of ${this.maxBytes} bytes`, {
        field: 'maxBytes',
      });
    }
    if (this.index.storedBytes + size <= this.maxBytes) return;
    if (this.overflow === 'reject-new' && this.index.bytes + size > this.maxBytes) {
      throw new SeamError(
        'SEAM_ERR_OUTBOX_FULL',
        `outbox holds ${this.index.bytes} of ${this.maxBytes} bytes (${this.index.depth} events) and the policy is reject-new`,
        { field: 'outbox' },
      );
    }
    // Acknowledged events give way first: the broker has them, and the window is a second chance only.
    this.evictWhile(() => this.index.storedBytes + size > this.maxBytes, Infinity);
    let count = 0;
    let bytes = 0;
    while (this.index.storedBytes + size > this.maxBytes) {
      const oldest = this.index.oldest()!;
      const at = this.forget(oldest);
      bytes += at.size;
      if (at.stream && at.seq !== undefined) void this.meta.put(droppedKey(at.stream.name), at.stream.drop(at.seq, at.seq));
      count++;
    }
    if (count === 0) return;
    this.dropped += count;
    this.droppedBytes += bytes;
    this.options.onDrop?.(count, bytes);
  }

  /** Deletes one stored entry and its seq; returns what it was. */
  private forget(position: number): { size: number; stream: StreamSeqs | undefined; seq: number | undefined } {
    const raw = this.entries.getBinaryFast(position);
    const h = raw ? readHeader(raw) : undefined;
    let stream = h?.streamId !== undefined ? this.streamsById.get(h.streamId) : undefined;
    let seq = h?.seq;
    if (raw && h && h.streamId === undefined) {
      const legacy = legacyStreamAndSeq(decodeEntry(position, raw));
      stream = legacy ? this.streams.get(legacy.stream) : undefined;
      seq = legacy?.seq;
    }
    const size = this.index.remove(position);
    void this.entries.remove(position);
    if (stream && seq !== undefined) stream.remove(seq);
    return { size, stream, seq };
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
    this.options.onEvict?.(count, bytes);
  }

  /** Lets go of acknowledged entries past the window's age. Runs on a timer; callable for tests. */
  evictExpired(now = Date.now()): void {
    if (this.closed) return;
    const cutoff = now - this.replayMaxAgeMs;
    this.evictWhile(() => {
      const raw = this.entries.getBinaryFast(this.index.oldestAcknowledged()!);
      return raw === undefined || readHeader(raw).acceptedAt < cutoff;
    }, AGE_EVICTIONS_PER_PASS);
  }

  /**
   * The broker acknowledged `position`: it leaves the events waiting to be sent and joins the replay
   * window (or is deleted, with the window off). Returns false if it was not waiting (dropped, or a
   * repeated ack).
   */
  acknowledge(position: number): boolean {
    if (this.index.acknowledge(position) === 0) return false;
    if (this.replayMaxBytes === 0) {
      this.forget(position);
    } else {
      this.evictWhile(() => this.index.windowBytes > this.replayMaxBytes, Infinity);
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
    if (record) void this.meta.put(ACKED, record);
  }

  /** True while `position` is waiting for its PUBACK. */
  has(position: number): boolean {
    return this.index.has(position);
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
    for (const { key, value } of this.entries.getRange({ start })) {
      if (!this.index.has(key)) continue; // acknowledged or gone in memory, not yet committed
      out.push(decodeEntry(key, value));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The entry at `position`, waiting or acknowledged, if it is stored and committed. */
  get(position: number): OutboxEntry | undefined {
    if (this.index.size(position) === 0) return undefined;
    const value = this.entries.get(position);
    return value === undefined ? undefined : decodeEntry(position, value);
  }

  /** Where each seq of `stream` in [from, to] is, or why it is not here. See seq-lookup.ts. */
  describe(stream: string, from: number, to: number): SeqSpan[] {
    return this.describeUpTo(stream, from, to).spans;
  }

  /** As describe(), walking at most `limit` stored seqs; `describedTo` says how far it got. */
  describeUpTo(stream: string, from: number, to: number, limit = Infinity): { spans: SeqSpan[]; describedTo: number } {
    const view = { seqs: this.streams.get(stream), lastSeq: this.peekSeq(stream) - 1, waiting: (p: number) => this.index.has(p) };
    return describeSeqs(view, from, to, limit);
  }

  /** Streams this outbox has assigned seqs to. */
  streamNames(): string[] {
    return [...this.firstSeqs.keys()];
  }

  streamInfo(stream: string): StreamInfo {
    const seqs = this.streams.get(stream);
    const lastSeq = this.peekSeq(stream) - 1;
    return {
      stream,
      firstSeq: this.firstSeqs.get(stream) ?? lastSeq + 1,
      storedFrom: seqs?.lowest(),
      lastSeq,
      unackedFrom: seqs?.oldestUnacknowledged((p) => this.index.has(p)),
    };
  }

  /** Epoch ms when the oldest entry still waiting for its PUBACK was appended, or undefined when none waits. */
  oldestAcceptedAt(): number | undefined {
    if (this.closed) return this.oldestAtClose;
    const oldest = this.index.oldest();
    if (oldest === undefined) return undefined;
    const value = this.entries.getBinaryFast(oldest);
    return value === undefined ? Date.now() : value.readDoubleLE(0);
  }

  /** Position one past the last appended entry. */
  get end(): number {
    return this.nextPosition;
  }

  stats(): OutboxStats {
    return {
      depth: this.index.depth,
      bytes: this.index.bytes,
      dropped: this.dropped,
      droppedBytes: this.droppedBytes,
      windowDepth: this.index.windowDepth,
      windowBytes: this.index.windowBytes,
      evicted: this.evicted,
      evictedBytes: this.evictedBytes,
    };
  }

  /** Waits until every write so far is committed and fsync'd (unless fsync is `never`). */
  async flush(): Promise<void> {
    await this.root.committed;
    if (this.fsync !== 'never') await this.root.flushed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.oldestAtClose = this.oldestAcceptedAt();
    this.closed = true;
    clearInterval(this.ageTimer);
    this.persistAckMark();
    await this.flush();
    await this.root.close();
  }
}

export function openOutbox(options: OutboxOptions): Outbox {
  return new Outbox(options);
}

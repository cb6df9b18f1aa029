import { open, type Database, type RootDatabase } from 'lmdb';
import { SeamError } from '../contract/index.ts';
import { PositionIndex } from './outbox-index.ts';

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
  /** Bound on the bytes of stored entries (topic + payload + 10 bytes of header each). Default 256 MiB. */
  maxBytes?: number;
  /** What happens when an append would exceed `maxBytes`. Default `drop-oldest`. */
  overflow?: OverflowPolicy;
  /** Durability of an append; see {@link FsyncPolicy}. Default `always`. */
  fsync?: FsyncPolicy;
  /** Called (synchronously) when entries are dropped to make room, with how many and their bytes. */
  onDrop?: (count: number, bytes: number) => void;
}

export interface OutboxEntry {
  position: number;
  topic: string;
  payload: Buffer;
  /** Epoch milliseconds when the entry was appended. */
  acceptedAt: number;
}

export interface OutboxStats {
  depth: number;
  bytes: number;
  dropped: number;
  droppedBytes: number;
}

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const HEADER_BYTES = 10; // float64 acceptedAt + uint16 topic length
const NEXT_POSITION_KEY = 'next_position';
const seqKey = (stream: string) => `seq/${stream}`;

function encodeEntry(topic: string, payload: Uint8Array, acceptedAt: number): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const buf = Buffer.allocUnsafe(HEADER_BYTES + topicBytes + payload.byteLength);
  buf.writeDoubleLE(acceptedAt, 0);
  buf.writeUInt16LE(topicBytes, 8);
  buf.write(topic, HEADER_BYTES, 'utf8');
  buf.set(payload, HEADER_BYTES + topicBytes);
  return buf;
}

function decodeEntry(position: number, buf: Buffer): OutboxEntry {
  const topicBytes = buf.readUInt16LE(8);
  return {
    position,
    acceptedAt: buf.readDoubleLE(0),
    topic: buf.toString('utf8', HEADER_BYTES, HEADER_BYTES + topicBytes),
    payload: buf.subarray(HEADER_BYTES + topicBytes),
  };
}

/**
 * A durable, byte-bounded FIFO of MQTT messages on LMDB. Keys are consecutive positions; entries leave
 * only through {@link remove} (after a PUBACK) or a counted drop. Writes of one event-loop turn share
 * one LMDB transaction (lmdb-js event-turn batching), and so one fsync: that is the group commit.
 * Per-stream `seq` counters live in the same environment and are written in the same transaction as the
 * entry that uses them, so a `seq` acknowledged to a producer is never handed out again.
 */
export class Outbox {
  private readonly root: RootDatabase;
  private readonly entries: Database<Buffer, number>;
  private readonly meta: Database<number, string>;
  private readonly index = new PositionIndex();
  private readonly seqs = new Map<string, number>();
  private readonly waitForFlush: boolean;
  private nextPosition: number;
  private dropped = 0;
  private droppedBytes = 0;
  private closed = false;
  /** oldestAcceptedAt() as it was at close(): stats read after a close must not touch the closed environment. */
  private oldestAtClose: number | undefined;

  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
  readonly fsync: FsyncPolicy;

  constructor(private readonly options: OutboxOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.overflow = options.overflow ?? 'drop-oldest';
    this.fsync = options.fsync ?? 'always';
    if (!(this.maxBytes > 0)) throw new SeamError('SEAM_ERR_CONFIG', `maxBytes must be > 0, got ${this.maxBytes}`, { field: 'maxBytes' });
    if (!['drop-oldest', 'reject-new'].includes(this.overflow)) {
      throw new SeamError('SEAM_ERR_CONFIG', `overflow must be drop-oldest or reject-new, got "${this.overflow}"`, { field: 'overflow' });
    }
    if (!['always', 'batch', 'never'].includes(this.fsync)) {
      throw new SeamError('SEAM_ERR_CONFIG', `fsync must be always, batch or never, got "${this.fsync}"`, { field: 'fsync' });
    }
    this.waitForFlush = this.fsync === 'always';
    this.root = open({
      path: options.path,
      noSync: this.fsync === 'never',
      // overlappingSync (the Linux default) lets the fsync of one commit run while the next one is built;
      // `separateFlushed` gives each write promise a `.flushed` so `always` can wait for the fsync itself.
      separateFlushed: true,
    });
    this.entries = this.root.openDB<Buffer, number>({ name: 'entries', encoding: 'binary' });
    this.meta = this.root.openDB<number, string>({ name: 'meta', encoding: 'msgpack' });
    let next = this.meta.get(NEXT_POSITION_KEY) ?? 0;
    for (const { key, value } of this.entries.getRange()) {
      this.index.add(key, value.length);
      next = Math.max(next, key + 1);
    }
    this.nextPosition = next;
  }

  /** The seq the next append for `stream` will carry (last stored + 1, starting at 1). Does not reserve it. */
  peekSeq(stream: string): number {
    let last = this.seqs.get(stream);
    if (last === undefined) {
      last = this.meta.get(seqKey(stream)) ?? 0;
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
    const value = encodeEntry(topic, payload, Date.now());
    this.makeRoom(value.length);
    const position = this.nextPosition++;
    this.seqs.set(stream, seq);
    this.index.add(position, value.length);
    // Same event turn, same transaction: the entry, its seq and the position counter commit together.
    const written = this.entries.put(position, value) as Promise<boolean> & { flushed?: Promise<unknown> };
    this.meta.put(seqKey(stream), seq);
    this.meta.put(NEXT_POSITION_KEY, this.nextPosition);
    const durable = this.waitForFlush && written.flushed ? written.flushed.then(() => undefined) : written.then(() => undefined);
    return { position, durable };
  }

  private makeRoom(size: number): void {
    if (size > this.maxBytes) {
      throw new SeamError('SEAM_ERR_OUTBOX_FULL', `an entry of ${size} bytes can never fit the outbox bound of ${this.maxBytes} bytes`, {
        field: 'maxBytes',
      });
    }
    if (this.index.bytes + size <= this.maxBytes) return;
    if (this.overflow === 'reject-new') {
      throw new SeamError(
        'SEAM_ERR_OUTBOX_FULL',
        `outbox holds ${this.index.bytes} of ${this.maxBytes} bytes (${this.index.depth} events) and the policy is reject-new`,
        { field: 'outbox' },
      );
    }
    let count = 0;
    let bytes = 0;
    while (this.index.bytes + size > this.maxBytes) {
      const oldest = this.index.oldest()!;
      bytes += this.index.remove(oldest);
      void this.entries.remove(oldest);
      count++;
    }
    this.dropped += count;
    this.droppedBytes += bytes;
    this.options.onDrop?.(count, bytes);
  }

  /** Removes an acknowledged entry. Returns false if it was already gone (dropped, or a repeated ack). */
  remove(position: number): boolean {
    if (this.index.remove(position) === 0) return false;
    void this.entries.remove(position);
    return true;
  }

  /** True while `position` is in the outbox (appended, not removed or dropped). */
  has(position: number): boolean {
    return this.index.has(position);
  }

  /**
   * Up to `limit` committed entries from `from` on, in position order. Entries appended but not yet
   * committed are not visible here; callers read after `durable` resolves.
   */
  read(from: number, limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    if (limit <= 0) return out;
    const start = this.index.nextLive(from);
    if (start === undefined) return out;
    for (const { key, value } of this.entries.getRange({ start })) {
      if (!this.index.has(key)) continue; // removed in memory, removal not yet committed
      out.push(decodeEntry(key, value));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The entry at `position` if present and committed. */
  get(position: number): OutboxEntry | undefined {
    if (!this.index.has(position)) return undefined;
    const value = this.entries.get(position);
    return value === undefined ? undefined : decodeEntry(position, value);
  }

  /** Epoch ms when the oldest entry still in the outbox was appended, or undefined when empty. */
  oldestAcceptedAt(): number | undefined {
    if (this.closed) return this.oldestAtClose;
    const oldest = this.index.oldest();
    if (oldest === undefined) return undefined;
    const value = this.entries.get(oldest);
    return value === undefined ? Date.now() : value.readDoubleLE(0);
  }

  /** Position one past the last appended entry. */
  get end(): number {
    return this.nextPosition;
  }

  stats(): OutboxStats {
    return { depth: this.index.depth, bytes: this.index.bytes, dropped: this.dropped, droppedBytes: this.droppedBytes };
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
    await this.flush();
    await this.root.close();
  }
}

export function openOutbox(options: OutboxOptions): Outbox {
  return new Outbox(options);
}

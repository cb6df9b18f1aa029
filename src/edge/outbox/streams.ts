import { firstKey, knownStreams, numberAt, rangesAt, droppedKey, seqKey, sidKey, type Meta } from './meta.ts';
import { describeSeqs, type SeqSpan } from './seq-lookup.ts';
import { StreamSeqs } from './stream-seqs.ts';

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

/** Says whether an outbox position is still waiting for its PUBACK. */
export type Waiting = (position: number) => boolean;

/**
 * The outbox's streams (one per camera, `region/site/camera`): each one's id in entry headers, its last and
 * first seq, and its seq index (stream-seqs.ts). The counters are persisted in `meta` by the append that uses
 * them (environment.ts), so a `seq` acknowledged to a producer is never handed out again.
 */
export class StreamTable {
  private readonly lastSeqs = new Map<string, number>();
  private readonly byName = new Map<string, StreamSeqs>();
  private readonly byId = new Map<number, StreamSeqs>();
  private readonly firstSeqs = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly meta: Meta) {}

  /** Registers the stream ids a previous run persisted (reopening an outbox). */
  loadIds(): void {
    for (const key of this.meta.getKeys({ start: 'sid/', end: 'sid0' })) {
      const name = String(key).slice(4);
      const id = numberAt(this.meta, String(key))!;
      this.register(name, id);
      this.nextId = Math.max(this.nextId, id + 1);
    }
  }

  /**
   * Sets each known stream's first seq after a reopen; `lowestStored` holds the lowest seq found stored per
   * stream, for streams whose first seq was never recorded.
   */
  loadFirstSeqs(lowestStored: ReadonlyMap<string, number>): void {
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
  }

  private register(name: string, id: number): StreamSeqs {
    const s = new StreamSeqs(name, id, rangesAt(this.meta, droppedKey(name)));
    this.byName.set(name, s);
    this.byId.set(id, s);
    return s;
  }

  /** The stream of this name; a new one gets an id, persisted in the current transaction. */
  streamFor(name: string): StreamSeqs {
    let s = this.byName.get(name);
    if (!s) {
      s = this.register(name, this.nextId++);
      void this.meta.put(sidKey(name), s.id);
    }
    return s;
  }

  get(name: string): StreamSeqs | undefined {
    return this.byName.get(name);
  }

  withId(id: number): StreamSeqs | undefined {
    return this.byId.get(id);
  }

  /** The seq the next append for `stream` will carry (last stored + 1, starting at 1). Does not reserve it. */
  peekSeq(stream: string): number {
    let last = this.lastSeqs.get(stream);
    if (last === undefined) {
      last = numberAt(this.meta, seqKey(stream)) ?? 0;
      this.lastSeqs.set(stream, last);
    }
    return last + 1;
  }

  /** `seq` was just handed out; true when it is the stream's first in this incarnation (to be persisted). */
  assign(stream: string, seq: number): boolean {
    this.lastSeqs.set(stream, seq);
    if (this.firstSeqs.has(stream)) return false;
    this.firstSeqs.set(stream, seq);
    return true;
  }

  /** Streams this outbox has assigned seqs to. */
  names(): string[] {
    return [...this.firstSeqs.keys()];
  }

  info(stream: string, waiting: Waiting): StreamInfo {
    const seqs = this.byName.get(stream);
    const lastSeq = this.peekSeq(stream) - 1;
    return {
      stream,
      firstSeq: this.firstSeqs.get(stream) ?? lastSeq + 1,
      storedFrom: seqs?.lowest(),
      lastSeq,
      unackedFrom: seqs?.oldestUnacknowledged(waiting),
    };
  }

  /** Where each seq of `stream` in [from, to] is, walking at most `limit` stored seqs. See seq-lookup.ts. */
  describeUpTo(stream: string, from: number, to: number, limit: number, waiting: Waiting): { spans: SeqSpan[]; describedTo: number } {
    return describeSeqs({ seqs: this.byName.get(stream), lastSeq: this.peekSeq(stream) - 1, waiting }, from, to, limit);
  }
}

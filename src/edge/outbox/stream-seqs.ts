/**
 * One stream's (camera's) seq numbers in an outbox: where each stored seq sits (its position), and which
 * seqs the byte bound dropped before they were ever acknowledged. This is what lets the bridge answer a
 * repair request by seq: republish what it still has, and say why the rest is gone.
 *
 * A stream's seqs grow by one per append, so a ring of positions indexed by `seq - firstSeq` (8 bytes per
 * stored event) replaces a Map. -1 marks a seq that is no longer stored (evicted or dropped).
 */
const ABSENT = -1;
/** Dropped ranges kept per stream; older ones are forgotten (and then answered as evicted). */
export const MAX_DROPPED_RANGES = 10_000;

export type SeqRange = [from: number, to: number];

export class StreamSeqs {
  private pos = new Float64Array(256).fill(ABSENT);
  private head = 0;
  private tail = 0;
  /** seq held at `pos[head]`. */
  private firstSeq = 0;
  private count = 0;
  /** Dropped seq ranges, ascending and merged. */
  private readonly droppedRanges: SeqRange[];
  /** No unacknowledged seq below this one (advanced lazily). */
  private unackedCursor = 0;

  constructor(
    readonly name: string,
    readonly id: number,
    dropped: SeqRange[] = [],
  ) {
    this.droppedRanges = dropped.map(([a, b]) => [a, b]);
  }

  /** Stored seqs of this stream (both kinds). */
  get size(): number {
    return this.count;
  }

  get dropped(): readonly SeqRange[] {
    return this.droppedRanges;
  }

  /** Records that `seq` is stored at `position`. seqs arrive in increasing order. */
  add(seq: number, position: number): void {
    if (this.count === 0 && this.head === this.tail) {
      this.firstSeq = seq;
      this.unackedCursor = Math.max(this.unackedCursor, seq);
    }
    const offset = seq - this.firstSeq;
    if (offset < this.tail - this.head)
      throw new RangeError(`${this.name}: seq ${seq} added after ${this.firstSeq + this.tail - this.head - 1}`);
    this.ensure(this.head + offset + 1);
    this.pos.fill(ABSENT, this.tail, this.head + offset);
    this.pos[this.head + offset] = position;
    this.tail = this.head + offset + 1;
    this.count++;
  }

  /** Position of `seq`, or undefined when it is not stored. */
  get(seq: number): number | undefined {
    const offset = seq - this.firstSeq;
    if (offset < 0 || offset >= this.tail - this.head) return undefined;
    const p = this.pos[this.head + offset];
    return p === ABSENT ? undefined : p;
  }

  /** Forgets `seq` (evicted or dropped). */
  remove(seq: number): void {
    const offset = seq - this.firstSeq;
    if (offset < 0 || offset >= this.tail - this.head || this.pos[this.head + offset] === ABSENT) return;
    this.pos[this.head + offset] = ABSENT;
    this.count--;
    while (this.head < this.tail && this.pos[this.head] === ABSENT) {
      this.head++;
      this.firstSeq++;
    }
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  /** The oldest seq still stored, or undefined. */
  lowest(): number | undefined {
    return this.count === 0 ? undefined : this.firstSeq;
  }

  /** Records seqs dropped by the outbox bound; returns the ranges to persist. */
  drop(from: number, to: number): SeqRange[] {
    const last = this.droppedRanges[this.droppedRanges.length - 1];
    if (last && from <= last[1] + 1 && from >= last[0]) last[1] = Math.max(last[1], to);
    else this.droppedRanges.push([from, to]);
    if (this.droppedRanges.length > MAX_DROPPED_RANGES) this.droppedRanges.splice(0, this.droppedRanges.length - MAX_DROPPED_RANGES);
    for (let s = from; s <= to; s++) this.remove(s);
    return this.droppedRanges;
  }

  isDropped(seq: number): boolean {
    return this.droppedRangeAt(seq) !== undefined;
  }

  /** The dropped range holding `seq`, if any. */
  droppedRangeAt(seq: number): SeqRange | undefined {
    const r = this.droppedRanges;
    const i = this.firstRangeEndingAtOrAfter(seq);
    return i < r.length && r[i][0] <= seq ? r[i] : undefined;
  }

  /** First seq after `seq` that starts a dropped range, or Infinity. */
  nextDroppedAfter(seq: number): number {
    const r = this.droppedRanges;
    const i = this.firstRangeEndingAtOrAfter(seq + 1);
    return i < r.length ? Math.max(r[i][0], seq + 1) : Infinity;
  }

  private firstRangeEndingAtOrAfter(seq: number): number {
    const r = this.droppedRanges;
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid][1] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The oldest seq still waiting for its PUBACK, or undefined when every stored seq was acknowledged.
   * `waiting(position)` says whether a position is unacknowledged.
   */
  oldestUnacknowledged(waiting: (position: number) => boolean): number | undefined {
    if (this.count === 0) return undefined;
    const last = this.firstSeq + (this.tail - this.head) - 1;
    let s = Math.max(this.unackedCursor, this.firstSeq);
    for (; s <= last; s++) {
      const p = this.pos[this.head + s - this.firstSeq];
      if (p !== ABSENT && waiting(p)) break;
    }
    // Entries only ever go from waiting to acknowledged, and new ones come at the end: the cursor never goes back.
    this.unackedCursor = s;
    return s <= last ? s : undefined;
  }

  private ensure(length: number): void {
    if (length <= this.pos.length) return;
    const span = this.tail - this.head;
    if (this.head > 0 && length - this.head <= this.pos.length) {
      this.pos.copyWithin(0, this.head, this.tail);
      this.pos.fill(ABSENT, span);
      this.tail = span;
      this.head = 0;
      return;
    }
    const grown = new Float64Array(Math.max(length - this.head, this.pos.length * 2)).fill(ABSENT);
    grown.set(this.pos.subarray(this.head, this.tail));
    this.pos = grown;
    this.tail = span;
    this.head = 0;
  }
}

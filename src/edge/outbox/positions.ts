/**
 * In-memory map from outbox position to entry size and state, for the byte bounds, the gauges and the
 * publisher's cursor. Every entry the outbox stores is here: unacknowledged ones (waiting for a PUBACK)
 * and acknowledged ones (kept in the replay window).
 *
 * Positions are handed out consecutively, so a growable ring of sizes indexed by `position - base` costs
 * 4 bytes per position instead of a Map's ~60: a 4 GiB outbox of 600-byte events is 28 MiB here. The top
 * bit of a size marks the entry acknowledged; a size of 0 marks a position that is gone (evicted, dropped)
 * or never existed.
 */
const ACKED = 0x8000_0000;
const SIZE = 0x7fff_ffff;

export class PositionIndex {
  private sizes = new Uint32Array(1024);
  /** Position stored at `sizes[head]`: the oldest entry still stored. */
  private base = 0;
  private head = 0;
  private tail = 0;
  private unackedCount = 0;
  private unackedBytes = 0;
  private ackedCount = 0;
  private ackedBytes = 0;
  private endPosition = 0;
  /** No unacknowledged entry below this position (a lower bound; advanced lazily). */
  private unackedFloor = 0;
  /** No acknowledged entry below this position (a lower bound; lowered when an older entry is acknowledged). */
  private ackedFloor = 0;

  /** Entries waiting for their PUBACK. */
  get depth(): number {
    return this.unackedCount;
  }

  /** Bytes of the entries waiting for their PUBACK. */
  get bytes(): number {
    return this.unackedBytes;
  }

  /** Acknowledged entries kept for replay. */
  get windowDepth(): number {
    return this.ackedCount;
  }

  get windowBytes(): number {
    return this.ackedBytes;
  }

  /** Everything stored: both kinds. */
  get storedBytes(): number {
    return this.unackedBytes + this.ackedBytes;
  }

  /** One past the highest position ever added. */
  get end(): number {
    return this.endPosition;
  }

  /** Adds an unacknowledged entry at or after `end`; positions skipped in between count as gone. */
  add(position: number, size: number): void {
    if (!(size > 0 && size <= SIZE)) throw new RangeError(`outbox entry at ${position} has size ${size}; sizes must be 1..${SIZE}`);
    if (position < this.endPosition) throw new RangeError(`outbox position ${position} is not after ${this.endPosition - 1}`);
    if (this.tail === this.head) this.base = position;
    const offset = position - this.base;
    this.ensure(this.head + offset + 1);
    this.sizes.fill(0, this.tail, this.head + offset);
    this.sizes[this.head + offset] = size;
    this.tail = this.head + offset + 1;
    this.endPosition = position + 1;
    this.unackedCount++;
    this.unackedBytes += size;
  }

  /** Adds an entry that is already acknowledged (reopening an outbox). */
  addAcknowledged(position: number, size: number): void {
    this.add(position, size);
    this.acknowledge(position);
  }

  private raw(position: number): number {
    const offset = position - this.base;
    if (offset < 0 || offset >= this.tail - this.head) return 0;
    return this.sizes[this.head + offset];
  }

  /** Size of the entry at `position` (either kind), 0 if it is gone. */
  size(position: number): number {
    return this.raw(position) & SIZE;
  }

  /** True while `position` is stored and waiting for its PUBACK. */
  has(position: number): boolean {
    const r = this.raw(position);
    return r !== 0 && (r & ACKED) === 0;
  }

  /** True while `position` is stored as acknowledged (in the replay window). */
  isAcknowledged(position: number): boolean {
    return (this.raw(position) & ACKED) !== 0;
  }

  /** Marks an unacknowledged entry acknowledged; returns its size, or 0 if it was not waiting (a late or repeated PUBACK). */
  acknowledge(position: number): number {
    const r = this.raw(position);
    if (r === 0 || (r & ACKED) !== 0) return 0;
    this.sizes[this.head + position - this.base] = r | ACKED;
    this.unackedCount--;
    this.unackedBytes -= r;
    this.ackedCount++;
    this.ackedBytes += r;
    if (position < this.ackedFloor) this.ackedFloor = position;
    return r;
  }

  /** Forgets `position` whichever kind it is; returns its size, or 0 if it was already gone. */
  remove(position: number): number {
    const r = this.raw(position);
    if (r === 0) return 0;
    const size = r & SIZE;
    this.sizes[this.head + position - this.base] = 0;
    if ((r & ACKED) !== 0) {
      this.ackedCount--;
      this.ackedBytes -= size;
    } else {
      this.unackedCount--;
      this.unackedBytes -= size;
    }
    this.advance();
    return size;
  }

  /** The oldest unacknowledged position, or undefined when none waits. */
  oldest(): number | undefined {
    return this.unackedCount === 0 ? undefined : (this.unackedFloor = this.scan(this.unackedFloor, false));
  }

  /** The oldest acknowledged position (the first to give way), or undefined when the window is empty. */
  oldestAcknowledged(): number | undefined {
    return this.ackedCount === 0 ? undefined : (this.ackedFloor = this.scan(this.ackedFloor, true));
  }

  /** The first unacknowledged position at or after `from`, or undefined. */
  nextLive(from: number): number | undefined {
    if (this.unackedCount === 0) return undefined;
    const end = this.base + (this.tail - this.head);
    // Nothing unacknowledged lies below the floor: after a restart the publisher starts at 0 and must not
    // walk the whole replay window on every pass.
    const start = Math.max(from, this.base, this.unackedFloor);
    return start < end ? this.scanFrom(start, false, end) : undefined;
  }

  /** First position at or after `from` of the kind asked for; the caller knows one exists. */
  private scan(from: number, acked: boolean): number {
    const found = this.scanFrom(Math.max(from, this.base), acked, this.base + (this.tail - this.head));
    if (found === undefined) throw new Error(`outbox index lost track of its ${acked ? 'acknowledged' : 'unacknowledged'} entries`);
    return found;
  }

  private scanFrom(start: number, acked: boolean, end: number): number | undefined {
    for (let p = start; p < end; p++) {
      const r = this.sizes[this.head + p - this.base];
      if (r !== 0 && ((r & ACKED) !== 0) === acked) return p;
    }
    return undefined;
  }

  private advance(): void {
    while (this.head < this.tail && this.sizes[this.head] === 0) {
      this.head++;
      this.base++;
    }
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  private ensure(length: number): void {
    if (length <= this.sizes.length) return;
    const span = this.tail - this.head;
    // Compact first: evictions free the front, so the array rarely needs to grow.
    if (this.head > 0 && length - this.head <= this.sizes.length) {
      this.sizes.copyWithin(0, this.head, this.tail);
      this.tail = span;
      this.head = 0;
      return;
    }
    const grown = new Uint32Array(Math.max(length - this.head, this.sizes.length * 2));
    grown.set(this.sizes.subarray(this.head, this.tail));
    this.sizes = grown;
    this.tail = span;
    this.head = 0;
  }
}

/**
 * In-memory map from outbox position to entry size, for the byte bound and the depth gauge.
 *
 * Positions are handed out consecutively, so a growable ring of sizes indexed by `position - base` costs
 * 4 bytes per live span entry instead of a Map's ~60: a 1 GiB outbox of 500-byte events is 8 MiB here.
 * A size of 0 marks a position that is gone (acknowledged or dropped) or never existed.
 */
export class PositionIndex {
  private sizes = new Uint32Array(1024);
  /** Position stored at `sizes[head]`. */
  private base = 0;
  private head = 0;
  private tail = 0;
  private liveCount = 0;
  private liveBytes = 0;
  private endPosition = 0;

  get depth(): number {
    return this.liveCount;
  }

  get bytes(): number {
    return this.liveBytes;
  }

  /** One past the highest position ever added. */
  get end(): number {
    return this.endPosition;
  }

  /** Adds a position at or after `end`; positions skipped in between count as gone. */
  add(position: number, size: number): void {
    if (size <= 0) throw new RangeError(`outbox entry at ${position} has size ${size}; sizes must be > 0`);
    if (position < this.endPosition) throw new RangeError(`outbox position ${position} is not after ${this.endPosition - 1}`);
    if (this.tail === this.head) this.base = position;
    const offset = position - this.base;
    this.ensure(this.head + offset + 1);
    this.sizes.fill(0, this.tail, this.head + offset);
    this.sizes[this.head + offset] = size;
    this.tail = this.head + offset + 1;
    this.endPosition = position + 1;
    this.liveCount++;
    this.liveBytes += size;
  }

  /** Size of the entry at `position`, 0 if it is gone. */
  size(position: number): number {
    const offset = position - this.base;
    if (offset < 0 || offset >= this.tail - this.head) return 0;
    return this.sizes[this.head + offset];
  }

  has(position: number): boolean {
    return this.size(position) > 0;
  }

  /** Marks `position` gone; returns its size, or 0 if it was already gone (a late or repeated PUBACK). */
  remove(position: number): number {
    const size = this.size(position);
    if (size === 0) return 0;
    this.sizes[this.head + position - this.base] = 0;
    this.liveCount--;
    this.liveBytes -= size;
    this.advance();
    return size;
  }

  /** The oldest live position, or undefined when empty. */
  oldest(): number | undefined {
    return this.liveCount === 0 ? undefined : this.base;
  }

  /** The first live position at or after `from`, or undefined. */
  nextLive(from: number): number | undefined {
    const end = this.base + (this.tail - this.head);
    for (let p = Math.max(from, this.base); p < end; p++) if (this.sizes[this.head + p - this.base] > 0) return p;
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
    // Compact first: acknowledgements free the front, so the array rarely needs to grow.
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

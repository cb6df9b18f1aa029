import { uuidWords } from './uuid-words.ts';

/**
 * Recently committed event ids, bounded. The fast path only: it saves a store round-trip for the common
 * redelivery (same instance, soon after). The guarantee is the store's idempotent write, so evicting an
 * id here, or not remembering one, can cost a little work but never a double count.
 *
 * detection.v1's event ids are lowercase UUIDs, 128 bits each, so they are kept as four int32 words in an
 * open-addressed table (linear probing, at most half full) instead of as strings in a Set. A Set of
 * 100,000 strings costs a lookup several cache misses (its bucket, its entry, the string it compares) and
 * leaves 100,000 strings for the garbage collector to mark; on this machine a lookup and an insert took
 * 345-561 ns of CPU that way and 306-467 ns this way (docs/consumer.md). A ring of the same words, in insertion
 * order, says which id to evict next. A string that is not a lowercase UUID is not remembered.
 */
export class DedupCache {
  private readonly table: Int32Array;
  private readonly used: Uint8Array;
  private readonly mask: number;
  /** The ids in insertion order, four words each; `next` is the oldest once the cache is full. */
  private readonly ring: Int32Array;
  private next = 0;
  private count = 0;
  private readonly words = new Int32Array(4);

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('dedup capacity must be a positive integer');
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.table = new Int32Array(slots * 4);
    this.used = new Uint8Array(slots);
    this.ring = new Int32Array(capacity * 4);
  }

  has(id: string): boolean {
    return uuidWords(id, this.words) && this.find(this.words, 0) >= 0;
  }

  add(id: string): void {
    const w = this.words;
    if (!uuidWords(id, w) || this.find(w, 0) >= 0) return;
    const at = this.next * 4;
    if (this.count < this.capacity) this.count++;
    else {
      // Always found in a sound table; checked so that a fault here cannot clear a slot it does not own.
      const oldest = this.find(this.ring, at);
      if (oldest >= 0) this.remove(oldest);
    }
    this.ring.set(w, at);
    this.next = (this.next + 1) % this.capacity;
    const slot = ~this.find(w, 0);
    this.table.set(w, slot * 4);
    this.used[slot] = 1;
  }

  get size(): number {
    return this.count;
  }

  /** Where the table holds the id in `w[at..at+3]`, or the one's complement of the free slot that ends its probe. */
  private find(w: Int32Array, at: number): number {
    const t = this.table;
    const a = w[at];
    const b = w[at + 1];
    const c = w[at + 2];
    const d = w[at + 3];
    let slot = home(a, b, c, d) & this.mask;
    for (let probes = 0; this.used[slot] === 1; probes++) {
      const k = slot * 4;
      if (t[k] === a && t[k + 1] === b && t[k + 2] === c && t[k + 3] === d) return slot;
      // At most half full, a probe always meets a free slot: a full table is a fault, not a reason to spin.
      if (probes > this.mask) throw new Error('dedup cache table is full: its evictions lost track of entries');
      slot = (slot + 1) & this.mask;
    }
    return ~slot;
  }

  /** Empties `slot`, shifting back the entries after it that probed past it, so no probe ends early. */
  private remove(slot: number): void {
    const t = this.table;
    const mask = this.mask;
    let hole = slot;
    for (let j = (hole + 1) & mask; this.used[j] === 1; j = (j + 1) & mask) {
      const k = j * 4;
      const wanted = home(t[k], t[k + 1], t[k + 2], t[k + 3]) & mask;
      // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
      if (((j - wanted) & mask) >= ((j - hole) & mask)) {
        t.copyWithin(hole * 4, k, k + 4);
        hole = j;
      }
    }
    this.used[hole] = 0;
  }
}

/** Mixes all four words: a UUIDv7's first 48 bits are its time, so no single word is spread well enough. */
function home(a: number, b: number, c: number, d: number): number {
  const h = Math.imul(a ^ Math.imul(b, 0x85ebca6b) ^ Math.imul(c, 0xc2b2ae35) ^ d, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/**
 * Recently committed event ids, bounded. The fast path only: it saves a store round-trip for the common
 * redelivery (same instance, soon after). The guarantee is the store's idempotent write, so evicting an
 * id here can cost a little work but never a double count. A Map keeps insertion order, so the oldest
 * entry is always first and eviction is O(1).
 */
export class DedupCache {
  private readonly ids = new Map<string, true>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('dedup capacity must be a positive integer');
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next().value as string;
      this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}

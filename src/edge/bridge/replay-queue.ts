/**
 * Outbox positions waiting to be republished for a repair request, oldest request first. Bounded, so a
 * repairer asking for a whole window at once (or a misbehaving one asking again and again) costs a
 * bounded amount of memory and broker traffic; what does not fit is answered `busy` and asked for again.
 */
export class ReplayQueue {
  private items: number[] = [];
  private head = 0;
  /** Queued or in flight: the same event is never republished twice at once. */
  private readonly busy = new Set<number>();

  constructor(readonly capacity: number) {}

  /** Queued and in flight. */
  get size(): number {
    return this.busy.size;
  }

  get waiting(): number {
    return this.items.length - this.head;
  }

  /** Room for this many more. */
  get room(): number {
    return Math.max(0, this.capacity - this.busy.size);
  }

  /** Queues what fits; returns how many of `positions` were taken (in order; the rest did not fit). */
  push(positions: readonly number[]): number {
    let taken = 0;
    for (const p of positions) {
      if (this.busy.has(p)) {
        taken++;
        continue;
      }
      if (this.busy.size >= this.capacity) break;
      this.busy.add(p);
      this.items.push(p);
      taken++;
    }
    return taken;
  }

  /** Takes the next position to send; it stays counted until `done`. */
  shift(): number | undefined {
    if (this.head >= this.items.length) return undefined;
    const p = this.items[this.head++];
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  /** A position sent (acknowledged, or given up because it is no longer stored). */
  done(position: number): void {
    this.busy.delete(position);
  }

  /** Positions whose send was cut off by a lost connection go to the front again. */
  requeue(positions: Iterable<number>): void {
    const again = [...positions].filter((p) => this.busy.has(p));
    if (again.length === 0) return;
    this.items = [...again, ...this.items.slice(this.head)];
    this.head = 0;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.busy.clear();
  }
}

/**
 * What the outbox persists of its PUBACKs, so that a restarted bridge knows which stored entries the broker
 * already has (they are the replay window, and must not be sent again) without a write per PUBACK.
 *
 * Every position up to `through` was acknowledged, except the few in `exceptions`: entries the broker
 * refused (retried later) or acknowledged out of order. PUBACKs come back in order almost always, so one
 * small record per event-loop turn covers thousands of them. An entry whose PUBACK was not yet recorded
 * when the process died is simply sent again; the consumer deduplicates it, as it always did.
 */
export interface AckMarkRecord {
  through: number;
  exceptions: number[];
}

/** Beyond this many exceptions the mark stops advancing; later PUBACKs then count only once it can. */
const MAX_EXCEPTIONS = 1_000;

export class AckMark {
  private through: number;
  private readonly exceptions: Set<number>;
  private maxAcked: number;

  constructor(record?: AckMarkRecord) {
    this.through = record?.through ?? -1;
    this.exceptions = new Set(record?.exceptions ?? []);
    this.maxAcked = this.through;
  }

  /** True when the persisted record says `position` was acknowledged. */
  isAcknowledged(position: number): boolean {
    return position <= this.through && !this.exceptions.has(position);
  }

  noteAck(position: number): void {
    if (position > this.maxAcked) this.maxAcked = position;
  }

  /**
   * Moves the mark up to the highest acknowledged position; `waiting(p)` says whether a position is still
   * waiting for its PUBACK. Returns the record to persist, or undefined when nothing changed.
   */
  advance(waiting: (position: number) => boolean): AckMarkRecord | undefined {
    let changed = false;
    for (const e of this.exceptions) {
      if (!waiting(e)) {
        this.exceptions.delete(e);
        changed = true;
      }
    }
    let p = this.through + 1;
    for (; p <= this.maxAcked; p++) {
      if (!waiting(p)) continue;
      if (this.exceptions.size >= MAX_EXCEPTIONS) break;
      this.exceptions.add(p);
    }
    if (p - 1 !== this.through) {
      this.through = p - 1;
      changed = true;
    }
    return changed ? { through: this.through, exceptions: [...this.exceptions] } : undefined;
  }
}

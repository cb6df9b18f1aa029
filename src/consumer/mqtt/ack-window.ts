/**
 * In-order acknowledgement bookkeeping for one MQTT connection.
 *
 * Commits finish in any order (batches, dead-letters, retries), but MQTT 5 section 4.6 wants the PUBACKs in the
 * order the PUBLISH packets arrived. So a finished message waits here until every message before it is finished
 * too, and then all of them are released at once, oldest first.
 *
 * Entries are keyed by packet identifier: the broker may not reuse an identifier until we have sent its PUBACK,
 * and we send it only after release, so within one connection an identifier names exactly one waiting entry.
 */
export class AckWindow {
  private ids: number[] = [];
  private acked: boolean[] = [];
  /** Index of the oldest entry not yet released. */
  private head = 0;
  /** Absolute position of `#ids[0]`, so the map below survives compaction without rewriting. */
  private base = 0;
  private positions = new Map<number, number>();
  private unacked = 0;

  /**
   * Records a PUBLISH in arrival order. Returns false when the identifier is already waiting (a broker that
   * resends on the same connection); the existing entry then stands for both copies.
   */
  add(messageId: number): boolean {
    if (this.positions.has(messageId)) return false;
    this.positions.set(messageId, this.base + this.ids.length);
    this.ids.push(messageId);
    this.acked.push(false);
    this.unacked++;
    return true;
  }

  /**
   * Marks a message finished and appends to `out` the identifiers whose PUBACKs may now be sent, in order.
   * Unknown or already finished identifiers are ignored, so a double ack is harmless.
   * Returns how many identifiers were appended.
   */
  complete(messageId: number, out: number[]): number {
    const position = this.positions.get(messageId);
    if (position === undefined) return 0;
    const index = position - this.base;
    if (this.acked[index]) return 0;
    this.acked[index] = true;
    this.unacked--;
    let released = 0;
    while (this.head < this.ids.length && this.acked[this.head]) {
      const id = this.ids[this.head];
      out.push(id);
      this.positions.delete(id);
      this.head++;
      released++;
    }
    this.compact();
    return released;
  }

  /** Messages added and not yet completed. */
  get pending(): number {
    return this.unacked;
  }

  /** Messages not yet released: the pending ones plus finished ones waiting behind an older pending one. */
  get size(): number {
    return this.ids.length - this.head;
  }

  // Shifting arrays on every release would make a 65,535-deep window quadratic; drop the released prefix
  // only once it is at least half of the storage.
  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.ids.length) return;
    this.ids = this.ids.slice(this.head);
    this.acked = this.acked.slice(this.head);
    this.base += this.head;
    this.head = 0;
  }
}

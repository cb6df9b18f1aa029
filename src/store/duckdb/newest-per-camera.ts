/**
 * Per camera, the newest captured_at a store holds and the event ids stored at exactly that millisecond.
 *
 * A camera stamps its events in order, so an event captured after its camera's newest stored one cannot
 * be stored yet and needs no lookup; only late ones (redeliveries, a replayed backlog) do. Kept per camera
 * because cameras on one line run at different delays: with one newest mark for the whole table, the
 * slower cameras' live events would all look late and every batch would pay for a lookup.
 *
 * Sound only for a store that is the table's only writer and records every commit here; after a write
 * whose outcome is unknown, `forget()` and load again from the table.
 */
export class NewestPerCamera {
  private readonly cameras = new Map<string, { ms: number; ids: string[]; idsKnown: boolean }>();
  private loaded = false;

  get known(): boolean {
    return this.loaded;
  }

  /** Replaces everything with the newest captured_at per camera as read from the table. */
  load(rows: Iterable<{ camera: string; ms: number }>): void {
    this.cameras.clear();
    // The ids at that millisecond are not read back: an event stamped exactly then gets a lookup.
    for (const { camera, ms } of rows) this.cameras.set(camera, { ms, ids: [], idsKnown: false });
    this.loaded = true;
  }

  forget(): void {
    this.loaded = false;
  }

  /** True when this event cannot be stored already; false means look it up. */
  isNew(camera: string, ms: number, id: string): boolean {
    const newest = this.cameras.get(camera);
    if (newest === undefined || ms > newest.ms) return true;
    return ms === newest.ms && newest.idsKnown && !newest.ids.includes(id);
  }

  /** Notes a committed event. */
  record(camera: string, ms: number, id: string): void {
    const newest = this.cameras.get(camera);
    if (newest === undefined) {
      this.cameras.set(camera, { ms, ids: [id], idsKnown: true });
    } else if (ms > newest.ms) {
      // Reused in place: this runs for every event written.
      newest.ms = ms;
      newest.ids.length = 0;
      newest.ids.push(id);
      newest.idsKnown = true;
    } else if (ms === newest.ms) {
      newest.ids.push(id);
    }
  }
}

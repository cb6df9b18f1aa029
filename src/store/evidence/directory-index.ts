import type { EvidenceTotals } from './evidence-store.ts';

/** One stored image as the directory store remembers it: enough to find, list, count and prune it. */
export interface IndexEntry {
  eventId: string;
  /** region/site/camera */
  camera: string;
  /** captured_at's UTC date, the day folder. */
  day: string;
  capturedMs: number;
  /** The image's size on disk (= header image.bytes). */
  bytes: number;
  /** Path without extension. */
  base: string;
}

/** A day folder as last read: its mtime (a name added or removed changes it) and its images. */
export interface DayEntries {
  mtimeMs: number;
  entries: Map<string, IndexEntry>;
}

/**
 * The directory store's memory of what is on disk, by event_id (duplicates, get) and by camera and day
 * (list, prune), with the totals kept as entries come and go, so stats() and a bytes bound need no walk.
 */
export class EvidenceIndex {
  private readonly byId = new Map<string, IndexEntry>();
  /** camera -> day -> entries */
  private readonly byCamera = new Map<string, Map<string, DayEntries>>();
  readonly totals: EvidenceTotals = { images: 0, bytes: 0 };

  get(eventId: string): IndexEntry | undefined {
    return this.byId.get(eventId);
  }

  add(entry: IndexEntry): void {
    if (this.byId.has(entry.eventId)) return;
    this.byId.set(entry.eventId, entry);
    this.dayOf(entry.camera, entry.day).entries.set(entry.eventId, entry);
    this.totals.images++;
    this.totals.bytes += entry.bytes;
  }

  remove(entry: IndexEntry): void {
    if (this.byId.get(entry.eventId) !== entry) return;
    this.byId.delete(entry.eventId);
    const days = this.byCamera.get(entry.camera);
    const day = days?.get(entry.day);
    day?.entries.delete(entry.eventId);
    if (day && day.entries.size === 0) days!.delete(entry.day);
    this.totals.images--;
    this.totals.bytes -= entry.bytes;
  }

  /** The day's record as last read, to compare its mtime; undefined if never read. */
  day(camera: string, day: string): DayEntries | undefined {
    return this.byCamera.get(camera)?.get(day);
  }

  /** Replaces what a day folder holds with what was just read from it. */
  replaceDay(camera: string, day: string, mtimeMs: number, entries: readonly IndexEntry[]): void {
    for (const old of [...(this.day(camera, day)?.entries.values() ?? [])]) this.remove(old);
    for (const entry of entries) this.add(entry);
    this.dayOf(camera, day).mtimeMs = mtimeMs;
  }

  /** Forgets a day folder that is gone (pruned empty by the writer). */
  dropDay(camera: string, day: string): void {
    this.replaceDay(camera, day, 0, []);
    this.byCamera.get(camera)?.delete(day);
  }

  cameras(): string[] {
    return [...this.byCamera.keys()];
  }

  days(camera: string): string[] {
    return [...(this.byCamera.get(camera)?.keys() ?? [])];
  }

  /** Every entry, oldest captured first (event_id breaks ties): the order prune removes in. */
  oldestFirst(): IndexEntry[] {
    return [...this.byId.values()].sort((a, b) => a.capturedMs - b.capturedMs || (a.eventId < b.eventId ? -1 : 1));
  }

  private dayOf(camera: string, day: string): DayEntries {
    let days = this.byCamera.get(camera);
    if (!days) this.byCamera.set(camera, (days = new Map()));
    let entries = days.get(day);
    if (!entries) days.set(day, (entries = { mtimeMs: 0, entries: new Map() }));
    return entries;
  }
}

/**
 * Parsed sidecars by image path, newest use last, at most `max` of them. A sidecar never changes once
 * written (an image is stored once under its event_id), so a cached one is never stale; a pruned image's
 * entry is simply never asked for again and ages out. Without it every page view and every class filter
 * reads and parses hundreds of small files again (`seamline bench evidence`).
 */
export class SidecarCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly max = 20_000) {}

  get(path: string): T | undefined {
    const value = this.entries.get(path);
    if (value !== undefined) {
      this.entries.delete(path);
      this.entries.set(path, value);
    }
    return value;
  }

  set(path: string, value: T): void {
    this.entries.delete(path);
    this.entries.set(path, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Thumbnails of evidence images for the page's grid: long side 320, JPEG quality 70, made with sharp (whose
 * work runs on libuv's thread pool, so the event loop keeps serving while it resizes) and kept in a small
 * LRU bounded by bytes, so a page reloaded by many operators resizes each image once.
 */
import sharp from 'sharp';

export const THUMB_LONG_SIDE = 320;
export const THUMB_QUALITY = 70;
export const DEFAULT_THUMB_CACHE_BYTES = 16 * 1024 * 1024;

export class ThumbnailCache {
  /** Map keeps insertion order: the first key is the least recently used. */
  private readonly entries = new Map<string, Buffer>();
  private heldBytes = 0;

  constructor(private readonly maxBytes = DEFAULT_THUMB_CACHE_BYTES) {}

  get bytes(): number {
    return this.heldBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The thumbnail of `image`, kept under `key` (the event_id: an image never changes once stored). */
  async thumbnail(key: string, image: Buffer): Promise<Buffer> {
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const thumb = await sharp(image)
      .resize({ width: THUMB_LONG_SIDE, height: THUMB_LONG_SIDE, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: THUMB_QUALITY })
      .toBuffer();
    this.remember(key, thumb);
    return thumb;
  }

  private remember(key: string, thumb: Buffer): void {
    // One thumbnail larger than the whole cache is served but not kept.
    if (thumb.byteLength > this.maxBytes) return;
    this.entries.set(key, thumb);
    this.heldBytes += thumb.byteLength;
    for (const [oldKey, old] of this.entries) {
      if (this.heldBytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.heldBytes -= old.byteLength;
    }
  }
}

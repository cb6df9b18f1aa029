import type { Evidence, EvidenceV1 } from '../../contract/index.ts';

/** Which images `list` returns: newest first by captured_at, at most `limit`. */
export interface EvidenceFilter {
  /** Cameras as `region/site/camera` (contract cameraKey); every camera when absent or empty. */
  cameras?: readonly string[];
  /** captured_at from (inclusive) and to (exclusive), epoch ms; unbounded when absent. */
  fromMs?: number;
  toMs?: number;
  /** At most this many (default 100, at most {@link MAX_EVIDENCE_LIST}). */
  limit?: number;
}

/** The most `list` returns in one call: a dashboard page, not a dump (export walks the time range in steps). */
export const MAX_EVIDENCE_LIST = 10_000;
export const DEFAULT_EVIDENCE_LIST = 100;

/** One stored image's header and when this consumer received it: what `list` returns, without the bytes. */
export interface EvidenceEntry {
  header: EvidenceV1;
  receivedAt: Date;
}

/** Retention bounds; either may be absent (no bound of that kind). */
export interface EvidenceRetention {
  /** Images captured more than this long before `nowMs` go. */
  maxAgeMs?: number;
  /** Then the oldest images go until the images' bytes together are at most this. */
  maxBytes?: number;
}

/** Images and their bytes (the JPEG bytes, `image.bytes`; headers and sidecars not counted). */
export interface EvidenceTotals {
  images: number;
  bytes: number;
}

/**
 * One edge image stream of one camera as the store has received it (evidence.v1 `image_stream`): the edge
 * numbers a camera's images from 0 as its queue stores them, so every number from 0 to `newest` that never
 * arrived is an image lost or dropped between the edge's queue and this store. Kept apart from the images,
 * so retention never changes it; shared by every consumer of the store.
 */
export interface ImageStreamGaps {
  region: string;
  site: string;
  camera: string;
  /** image_stream.id */
  stream: string;
  /** The highest image_stream.seq received. */
  newest: number;
  /** Distinct image_stream.seq received (each image counted once however often it arrived). */
  received: number;
  /** newest + 1 - received: the numbers up to the newest that never arrived. */
  missing: number;
}

/**
 * Where the consumer keeps evidence images (docs/evidence.md): one image per event_id, stored once however
 * often it arrives, byte for byte as it came. The caller has verified the message (decodeEvidence): the
 * store trusts the header and the digest, and only has to never keep half an image, whatever happens to the
 * process mid-write. Failures reject with the store codes of store.ts: SEAM_ERR_STORE_UNAVAILABLE (retry),
 * SEAM_ERR_STORE_REFUSED (this image cannot be kept), SEAM_ERR_CONFIG (the store itself is wrong).
 *
 * Implementations: directory-store.ts (the embedded default, files next to the DuckDB file) and
 * postgres-store.ts (one table, several consumers).
 */
export interface EvidenceStore {
  readonly name: string;
  open(): Promise<void>;
  /** Stores the image under its header's event_id; 'duplicate' (and nothing written) when it is already there. */
  put(evidence: Evidence, receivedAt: Date): Promise<'stored' | 'duplicate'>;
  /** The header and the image bytes, or null when the store has no image for that event. */
  get(eventId: string): Promise<(Evidence & { receivedAt: Date }) | null>;
  list(filter?: EvidenceFilter): Promise<EvidenceEntry[]>;
  /** Removes images oldest first by captured_at until both bounds hold; returns what it removed. */
  prune(retention: EvidenceRetention, nowMs: number): Promise<EvidenceTotals>;
  stats(): Promise<EvidenceTotals>;
  /** Every image stream received so far (images without `image_stream` are in none), by camera then stream. */
  imageGaps(): Promise<ImageStreamGaps[]>;
  close(): Promise<void>;
}

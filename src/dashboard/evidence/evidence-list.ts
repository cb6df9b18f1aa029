/**
 * GET /api/evidence's items. EvidenceStore.list filters only by camera and time, so class and confidence are
 * applied here to the header's detections, paging back through the window until `limit` images match, or
 * the window is exhausted, or MAX_EVIDENCE_SCANNED headers were read (then `truncated` says so: a class
 * that is rare in a busy window must not turn one page view into a walk of the whole store).
 */
import type { EvidenceV1 } from '../../contract/index.ts';
import type { EvidenceEntry, EvidenceStore } from '../../store/evidence/evidence-store.ts';
import { newestEntries, type NewestWalk } from '../../store/evidence/newest-entries.ts';
import type { EvidenceQuery } from './evidence-query.ts';

/** Headers read at most for one request. */
export const MAX_EVIDENCE_SCANNED = 5_000;
/** Headers asked of the store at a time while filtering. */
const PAGE = 500;

export interface EvidenceItem {
  event_id: string;
  region: string;
  site: string;
  camera: string;
  seq: number;
  captured_at: string;
  received_at: string;
  frame: EvidenceV1['frame'];
  image: { width: number; height: number; bytes: number };
  masked: boolean;
  detections: EvidenceV1['detections'];
  urls: { image: string; thumb: string };
}

export interface EvidenceListing {
  items: EvidenceItem[];
  /** Headers read from the store to answer. */
  scanned: number;
  /** True when the scan bound stopped the search before `limit` matches or the start of the window. */
  truncated: boolean;
}

function matches(header: EvidenceV1, query: EvidenceQuery): boolean {
  if (query.classes.length === 0 && query.minConfidence === 0) return true;
  return header.detections.some(
    (d) => (query.classes.length === 0 || query.classes.includes(d.class)) && d.confidence >= query.minConfidence,
  );
}

/** An item of the list (and of GET /api/evidence/<event_id>.json) from a stored header. */
export function itemOf({ header, receivedAt }: EvidenceEntry): EvidenceItem {
  const { event_id, region, site, camera, seq, captured_at, frame, image, masked, detections } = header;
  return {
    event_id,
    region,
    site,
    camera,
    seq,
    captured_at,
    received_at: receivedAt.toISOString(),
    frame,
    image: { width: image.width, height: image.height, bytes: image.bytes },
    masked,
    detections,
    urls: { image: `/api/evidence/${event_id}.jpg`, thumb: `/api/evidence/${event_id}/thumb.jpg` },
  };
}

/** Newest first, at most `query.limit`. */
export async function listEvidence(
  store: EvidenceStore,
  query: EvidenceQuery,
  maxScanned = MAX_EVIDENCE_SCANNED,
): Promise<EvidenceListing> {
  const items: EvidenceItem[] = [];
  const walk: NewestWalk = { scanned: 0, exhausted: false };
  // Without a class or confidence filter every header matches: ask for what is still missing, not a whole page
  // (the directory store reads one file per header, and the page asks again every few seconds while live).
  const unfiltered = query.classes.length === 0 && query.minConfidence === 0;
  const pageSize = () => Math.min(unfiltered ? query.limit - items.length : PAGE, maxScanned - walk.scanned);
  const range = { cameras: query.cameras, fromMs: query.fromMs, toMs: query.toMs };
  for await (const entry of newestEntries(store, range, pageSize, 'skip', walk)) {
    if (matches(entry.header, query)) items.push(itemOf(entry));
    if (items.length >= query.limit) break;
  }
  return { items, scanned: walk.scanned, truncated: items.length < query.limit && !walk.exhausted };
}

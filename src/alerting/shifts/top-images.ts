/**
 * The shift's top evidence images: of the newest images captured during the run (at most SCAN of them), those
 * showing a defect (a detection of any class but the part class), highest defect confidence first, newest
 * first among equals. The page opens one by its event id (/api/evidence/<event_id>).
 */
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
import type { ShiftRun } from '../config/shift-calendar.ts';

export interface ShiftImage {
  eventId: string;
  region: string;
  site: string;
  camera: string;
  capturedAt: string;
  /** The image's most confident defect detection. */
  class: string;
  confidence: number;
}

/** How many of the run's newest images are looked at. */
const SCAN = 1_000;

export async function topImages(store: EvidenceStore, run: ShiftRun, limit: number, partClass?: string): Promise<ShiftImage[]> {
  const entries = await store.list({ fromMs: run.startMs, toMs: run.endMs, limit: SCAN });
  const images: ShiftImage[] = [];
  for (const { header: h } of entries) {
    const defects = h.detections.filter((d) => d.class !== partClass);
    if (defects.length === 0) continue;
    const best = defects.reduce((a, b) => (b.confidence > a.confidence ? b : a));
    images.push({
      eventId: h.event_id,
      region: h.region,
      site: h.site,
      camera: h.camera,
      capturedAt: h.captured_at,
      class: best.class,
      confidence: best.confidence,
    });
  }
  return images
    .sort((a, b) => b.confidence - a.confidence || b.capturedAt.localeCompare(a.capturedAt) || a.eventId.localeCompare(b.eventId))
    .slice(0, limit);
}

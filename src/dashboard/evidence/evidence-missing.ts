/**
 * GET /api/evidence's `missing`: per camera of the query (every camera when it names none), the images its edge
 * queue numbered that never reached the evidence store (EvidenceStore.imageGaps, all streams of the camera
 * summed). A count since the camera started numbering its images, not within the query's window; only cameras
 * that miss some, by camera key.
 */
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';

export interface MissingImages {
  /** `region/site/camera` */
  camera: string;
  missing: number;
}

export async function missingImages(store: Pick<EvidenceStore, 'imageGaps'>, cameras: readonly string[]): Promise<MissingImages[]> {
  const wanted = cameras.length > 0 ? new Set(cameras) : null;
  const perCamera = new Map<string, number>();
  for (const g of await store.imageGaps()) {
    const camera = `${g.region}/${g.site}/${g.camera}`;
    if (wanted && !wanted.has(camera)) continue;
    perCamera.set(camera, (perCamera.get(camera) ?? 0) + g.missing);
  }
  return [...perCamera]
    .filter(([, missing]) => missing > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([camera, missing]) => ({ camera, missing }));
}

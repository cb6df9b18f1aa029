/**
 * A camera's clock offset, as the readers answer it: the smallest commit time - captured_at among its
 * events that the consumers sampled over the last few minutes (consumer/capture-offsets.ts writes the
 * samples; rollup_clock in the SQL stores, camera_clock in the line-protocol ones). The smallest, because
 * the pipeline only ever adds lag: what is left at its floor is the camera's clock, not the pipeline.
 */
import { cameraKey, type CameraId } from '../contract/index.ts';

/** How far back the samples a clock offset is read from reach. */
export const CLOCK_WINDOW_MS = 300_000;

export interface ClockOffsetRow extends CameraId {
  offsetMs: number;
}

/**
 * Sets each row's clockOffsetMs from `offsets`. A camera with an offset and no row (its events are all
 * older than the store keeps, or it sent no status) gets one from `blank`: a wrong clock must not hide a
 * camera. Rows stay ordered by camera.
 */
export function withClockOffsets<T extends CameraId & { clockOffsetMs: number | null }>(
  rows: T[],
  offsets: readonly ClockOffsetRow[],
  blank: (id: CameraId) => T,
): T[] {
  const byKey = new Map(rows.map((r) => [cameraKey(r), r]));
  let added = false;
  for (const o of offsets) {
    let row = byKey.get(cameraKey(o));
    if (!row) {
      row = blank({ region: o.region, site: o.site, camera: o.camera });
      byKey.set(cameraKey(o), row);
      rows.push(row);
      added = true;
    }
    row.clockOffsetMs = o.offsetMs;
  }
  if (added) rows.sort((a, b) => (cameraKey(a) < cameraKey(b) ? -1 : cameraKey(a) > cameraKey(b) ? 1 : 0));
  return rows;
}

/** Dashboard-shaped builders over the shared test helpers: known minutes and classes, for exact counts. */
import type { DetectionV1, StatusV1 } from '../../src/contract/index.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';

export const MINUTE = 60_000;
const seqs = new Map<string, number>();

export interface EventSpec {
  camera: string;
  site?: string;
  /** captured_at, epoch ms. */
  at: number;
  /** Class names, one detection each. */
  classes?: string[];
  /** inferred_at - captured_at, ms. */
  inferenceMs?: number;
}

export function detection(spec: EventSpec): DetectionV1 {
  const site = spec.site ?? 'plant-1';
  const key = `${site}/${spec.camera}`;
  // Consecutive seq per camera, as a real bridge would send, so nothing here looks like a gap.
  const seq = (seqs.get(key) ?? -1) + 1;
  seqs.set(key, seq);
  return makeEvent({
    site,
    camera: spec.camera,
    seq,
    captured_at: new Date(spec.at).toISOString(),
    inferred_at: new Date(spec.at + (spec.inferenceMs ?? 20)).toISOString(),
    detections: (spec.classes ?? ['scratch']).map((c, i) => ({
      class: c,
      class_id: i,
      confidence: 0.9,
      bbox: [10, 10, 20, 20],
    })),
  });
}

/** `count` events inside the minute starting at `minuteMs`, each with one detection per class given. */
export function burst(camera: string, minuteMs: number, count: number, classes: string[] = ['scratch']): DetectionV1[] {
  return Array.from({ length: count }, (_, i) => detection({ camera, at: minuteMs + 1000 + i * 100, classes }));
}

export function status(camera: string, state: 'online' | 'offline', atMs: number): StatusV1 {
  return makeStatus({ camera, state, at: new Date(atMs).toISOString() });
}

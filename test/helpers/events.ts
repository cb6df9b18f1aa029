import { v7 as uuidv7 } from 'uuid';
import type { DetectionV1, StatusV1 } from '../../src/contract/index.ts';

/** A valid detection.v1 for tests; overrides replace whole fields. */
export function makeEvent(overrides: Partial<DetectionV1> = {}): DetectionV1 {
  const captured = overrides.captured_at ?? new Date().toISOString();
  return {
    schema_version: 'detection.v1',
    event_id: uuidv7(),
    region: 'eu',
    site: 'plant-1',
    camera: 'cam-01',
    seq: 0,
    captured_at: captured,
    inferred_at: new Date(Date.parse(captured) + 25).toISOString(),
    model: { name: 'yolov8n', version: '8.1.0' },
    frame: { width: 1280, height: 720 },
    detections: [
      { class: 'scratch', class_id: 0, confidence: 0.91, bbox: [100, 120, 40, 30] },
      { class: 'dent', class_id: 1, confidence: 0.62, bbox: [400, 300, 80, 60] },
    ],
    ...overrides,
  };
}

/** `count` events of one camera with consecutive seq, captured `stepMs` apart from `startMs`. */
export function makeEvents(count: number, base: Partial<DetectionV1> = {}, startMs = Date.now(), stepMs = 10): DetectionV1[] {
  return Array.from({ length: count }, (_, i) =>
    makeEvent({ ...base, seq: (base.seq ?? 0) + i, captured_at: new Date(startMs + i * stepMs).toISOString() }),
  );
}

export function makeStatus(overrides: Partial<StatusV1> = {}): StatusV1 {
  return {
    schema_version: 'status.v1',
    region: 'eu',
    site: 'plant-1',
    camera: 'cam-01',
    state: 'online',
    at: new Date().toISOString(),
    ...overrides,
  };
}

import type { DetectionV1 } from '../contract/index.ts';

/**
 * The region of the probe's points where a store keeps them for a moment (InfluxDB): not an identifier,
 * so no camera's data can carry it, and a delete by it removes the probe alone.
 */
export const PROBE_REGION = '.probe';

/**
 * The known-good event a store's `probe` writes: every field inside the contract and far from its edges,
 * captured now, one box. Its camera `seamline/probe/probe` is never a real one (the probe rolls back or
 * writes where no reader looks), and its event_id is fixed so a probe that did land is written once.
 */
export function probeEvent(nowMs = Date.now()): DetectionV1 {
  const at = new Date(nowMs).toISOString();
  return {
    schema_version: 'detection.v1',
    event_id: '00000000-0000-7000-8000-000000000000',
    region: 'seamline',
    site: 'probe',
    camera: 'probe',
    seq: 0,
    captured_at: at,
    inferred_at: at,
    model: { name: 'seamline-probe', version: '1' },
    frame: { width: 640, height: 480 },
    detections: [{ class: 'probe', class_id: 0, confidence: 0.5, bbox: [10, 10, 20, 20] }],
  };
}

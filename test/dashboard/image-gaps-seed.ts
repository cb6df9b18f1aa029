/**
 * Evidence images numbered by an edge image queue (evidence.v1 image_stream) with holes, for the tests of the
 * consumer's seamline_consumer_evidence_images_missing and the dashboard's `missing` (encodeEvidence, then
 * decoded by the contract, as the consumer hands them to a store).
 */
import assert from 'node:assert/strict';
import type { Evidence } from '../../src/contract/index.ts';
import type { EvidenceStore } from '../../src/store/evidence/evidence-store.ts';
import { evidenceFields, makeJpeg, verified } from '../store/evidence/evidence-fixtures.ts';

export const STREAM = '0123456789abcdef';
export const OTHER_STREAM = 'fedcba9876543210';

/** [site, camera, stream, the image_stream.seqs received] */
type Plan = [string, string, string | null, number[]][];

/**
 * eu/plant-1/cam-01: 0 1 3 6 of STREAM (2, 4, 5 missing) and 2 of OTHER_STREAM (0, 1 missing): 5 missing.
 * eu/plant-1/cam-02: 0 1 2, none missing. eu/plant-2/cam-01: 4 only (0-3 missing): 4 missing.
 * eu/plant-1/cam-03: images without image_stream, in no stream.
 */
export const HOLES: Plan = [
  ['plant-1', 'cam-01', STREAM, [0, 1, 3, 6]],
  ['plant-1', 'cam-01', OTHER_STREAM, [2]],
  ['plant-1', 'cam-02', STREAM, [0, 1, 2]],
  ['plant-2', 'cam-01', STREAM, [4]],
  ['plant-1', 'cam-03', null, [0, 1]],
];
export const HOLES_MISSING = { 'eu/plant-1/cam-01': 5, 'eu/plant-1/cam-02': 0, 'eu/plant-2/cam-01': 4 };

/** Every camera's stream complete: nothing missing. */
export const WHOLE: Plan = [
  ['plant-1', 'cam-01', STREAM, [0, 1, 2]],
  ['plant-1', 'cam-02', OTHER_STREAM, [0]],
];

/** The plan's images, captured one second apart from `startMs`, put into `store` (the numbered ones twice). */
export async function seedImages(store: Pick<EvidenceStore, 'put'>, plan: Plan, startMs: number): Promise<Evidence[]> {
  const stored: Evidence[] = [];
  let n = 0;
  for (const [site, camera, stream, seqs] of plan) {
    for (const seq of seqs) {
      n += 1;
      const fields = evidenceFields({
        region: 'eu',
        site,
        camera,
        seq: 100 + seq,
        captured_at: new Date(startMs + n * 1000).toISOString(),
        ...(stream ? { image_stream: { id: stream, seq } } : {}),
      });
      const evidence = verified(fields, await makeJpeg(n));
      assert.equal(await store.put(evidence, new Date(startMs + n * 1000 + 50)), 'stored');
      stored.push(evidence);
    }
  }
  // Each numbered image arrives twice (a redelivery): stored once, counted once.
  for (const e of stored.filter((s) => s.header.image_stream))
    assert.equal(await store.put(e, new Date(startMs + (n + 1) * 1000)), 'duplicate');
  return stored;
}

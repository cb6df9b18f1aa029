/**
 * `seamline chaos evidence-faults`, short: images beside events through three Mosquitto SIGKILLs and two bridge
 * SIGKILLs (one while Mosquitto is down), with the image queue overflowed once (src/proof/chaos/scenarios/evidence-faults.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evidenceFaults } from '../../src/proof/chaos/scenarios/evidence-faults.ts';

test('evidence-faults: no event lost or doubled; every image whole, once, linked; every queued image stored or counted missing by the store', {
  timeout: 180_000,
}, async () => {
  const r = await evidenceFaults({ rate: 200, imageEvery: 20, queueImages: 20, phaseMs: 3_000, outageMs: 1_500, settleMs: 45_000 }).run(
    () => {},
  );
  const detail = JSON.stringify(r);
  assert.deepEqual([r.lost, r.duplicates, r.detections_mismatch, r.seq_repeats, r.dead_lettered], [0, 0, 0, 0, 0], detail);
  assert.ok(r.produced > 2_000 && r.stored >= r.produced, detail);
  assert.deepEqual(
    [r.images_bad_digest, r.images_stored_twice, r.images_foreign, r.images_unlinked, r.images_queued_at_end],
    [0, 0, 0, 0, 0],
    detail,
  );
  assert.ok(Number(r.images_stored) > 50, `images flowed: ${detail}`);
  assert.ok(Number(r.images_restored) > 0, `images on the queue's disk survived a SIGKILL and were sent by the next life: ${detail}`);
  assert.ok(Number(r.images_dropped) > 0, `the overflow was counted at the edge: ${detail}`);
  // The numbers the store never received: at least the overflow's, and exactly the holes in the stored headers.
  assert.ok(Number(r.images_missing_counted) > 0, `the store counted the dropped images missing: ${detail}`);
  assert.equal(r.images_missing_counted, r.images_missing_in_headers, `the store's count is the headers' own gaps: ${detail}`);
  assert.equal(r.images_unnumbered, 0, `every image carried its number: ${detail}`);
  assert.equal(r.images_unaccounted, 0, `every image the edge queued is stored or counted missing: ${detail}`);
  // Events and images in PostgreSQL; one consumer, on a plain subscription, since Mosquitto is restarted (docs/proof.md).
  assert.deepEqual([r.store, r.consumers], ['postgres', 1], detail);
  assert.equal(r.ok, true, detail);
});

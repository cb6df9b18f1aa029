import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runEvidenceBench } from '../../src/proof/bench/evidence/evidence-api-bench.ts';

test('bench evidence stores every image in each store and times each request the page makes', { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const result = await runEvidenceBench({
    images: 300,
    cameras: 4,
    days: 2,
    runs: 5,
    stores: ['directory', 'postgres'],
    progress: (l) => lines.push(l),
  });
  assert.ok(result.image_bytes > 50_000, `a camera-like JPEG, not a test card: ${result.image_bytes} bytes`);
  for (const store of ['directory', 'postgres'] as const) {
    const figures = result.stores[store];
    assert.ok(figures, `${store} was benched`);
    assert.equal(figures.stored, 300, `${store}: every image written is found by a read-only reader`);
    assert.deepEqual(Object.keys(figures.requests).sort(), [
      'image',
      'list_newest',
      'list_one_camera',
      'list_rare_class',
      'thumb_again',
      'thumb_first',
    ]);
    for (const [name, { p50_ms, p95_ms }] of Object.entries(figures.requests)) {
      assert.ok(p50_ms !== null && p50_ms > 0 && p95_ms !== null && p95_ms >= p50_ms, `${store} ${name}: ${p50_ms} / ${p95_ms}`);
    }
  }
  assert.ok(
    lines.some((l) => /timing the API/.test(l)),
    'progress is shown',
  );
});

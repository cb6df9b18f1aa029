/** Which images an export takes (src/store/evidence/export/selection.ts): the filters, and paging through list(). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSeamError, type EvidenceV1 } from '../../../../src/contract/index.ts';
import { DirectoryEvidenceStore } from '../../../../src/store/evidence/directory-store.ts';
import type { EvidenceEntry, EvidenceFilter, EvidenceStore } from '../../../../src/store/evidence/evidence-store.ts';
import { allEntries, detectionMatches, imageMatches } from '../../../../src/store/evidence/export/selection.ts';
import { evidenceFields, makeJpeg, verified } from '../evidence-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-export-select-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-11-30T23:59:59.000Z');

async function collect(store: EvidenceStore, pageSize: number, f: EvidenceFilter = {}): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of allEntries(store, f, pageSize)) ids.push(e.header.event_id);
  return ids;
}

test('paging: every image once across pages of 4 to 7, with runs of equal captured_at straddling the page boundaries', {
  timeout: 30_000,
}, async () => {
  const store = new DirectoryEvidenceStore({ dir: join(dir, 'paging') });
  await store.open();
  // 14 images over 6 distinct milliseconds, runs of 1 to 3 (crossing midnight: two day folders).
  const offsets = [0, 0, 0, 1, 1, 2, 1000, 1000, 1000, 1001, 1001, 1001, 5000, 5000];
  const ids: string[] = [];
  for (const [i, ms] of offsets.entries()) {
    const e = verified(evidenceFields({ seq: i, captured_at: new Date(T0 + ms).toISOString() }), await makeJpeg(i + 1));
    await store.put(e, new Date());
    ids.push(e.header.event_id);
  }
  const reader = new DirectoryEvidenceStore({ dir: join(dir, 'paging'), readOnly: true });
  await reader.open();
  for (const pageSize of [4, 5, 7, 10_000]) {
    const got = await collect(reader, pageSize);
    assert.equal(got.length, ids.length, `page size ${pageSize}: as many as stored`);
    assert.deepEqual([...got].sort(), [...ids].sort(), `page size ${pageSize}: each once`);
  }
  // A time range: [T0 + 1, T0 + 1001) holds the offsets 1, 1, 2, 1000 x3.
  assert.equal((await collect(reader, 4, { fromMs: T0 + 1, toMs: T0 + 1001 })).length, 6);
  // As many images in one millisecond as a page holds cannot be paged past: refused, never a silent loss or a loop.
  await assert.rejects(collect(reader, 2), (err) => isSeamError(err, 'SEAM_ERR_BAD_QUERY') && /more than 2 images share/.test(err.message));
  await Promise.all([store.close(), reader.close()]);
});

test('paging stops on a short page and asks for the next page to end 1 ms after the oldest seen', async () => {
  const asked: EvidenceFilter[] = [];
  const entry = (id: string, ms: number): EvidenceEntry => ({
    header: { event_id: id, captured_at: new Date(ms).toISOString() } as EvidenceV1,
    receivedAt: new Date(),
  });
  const pages = [[entry('a', 30), entry('b', 20), entry('c', 10)], [entry('c', 10), entry('d', 10), entry('e', 5)], [entry('e', 5)]];
  const fake = { list: async (f: EvidenceFilter) => (asked.push(f), pages[asked.length - 1] ?? []) } as unknown as EvidenceStore;
  assert.deepEqual(await collect(fake, 3, { toMs: 100 }), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(
    asked.map((f) => f.toMs),
    [100, 11, 6],
  );
});

const d = (cls: string, confidence: number) => ({ class: cls, class_id: 0, confidence, bbox: [0, 0, 1, 1] });

test('filters: class, the confidence band (min inclusive, max exclusive, 1 includes 1), model name and version', () => {
  assert.ok(detectionMatches(d('crack', 0.25), { classes: ['crack'], minConfidence: 0.25, maxConfidence: 0.5 }));
  assert.ok(!detectionMatches(d('crack', 0.5), { minConfidence: 0.25, maxConfidence: 0.5 }));
  assert.ok(!detectionMatches(d('crack', 0.2), { minConfidence: 0.25 }));
  assert.ok(!detectionMatches(d('dent', 0.3), { classes: ['crack'] }));
  assert.ok(detectionMatches(d('dent', 1), { maxConfidence: 1 }));
  const h = (model?: { name: string; version: string }) =>
    ({ detections: [d('part', 0.9), d('crack', 0.4)], ...(model ? { model } : {}) }) as unknown as EvidenceV1;
  assert.ok(imageMatches(h(), { classes: ['crack'], minConfidence: 0.25, maxConfidence: 0.5 }), 'one matching box is enough');
  assert.ok(!imageMatches(h(), { classes: ['crack'], minConfidence: 0.5 }));
  assert.ok(!imageMatches(h(), { model: 'yolo11n' }), 'no model in the header: no match');
  assert.ok(imageMatches(h({ name: 'yolo11n', version: 'v3' }), { model: 'yolo11n', modelVersion: 'v3' }));
  assert.ok(!imageMatches(h({ name: 'yolo11n', version: 'v2' }), { modelVersion: 'v3' }));
  assert.ok(!imageMatches({ detections: [] } as unknown as EvidenceV1, {}), 'an image without a box is never exported');
});

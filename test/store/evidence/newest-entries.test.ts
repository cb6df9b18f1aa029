/** The one pager over EvidenceStore.list (src/store/evidence/newest-entries.ts) the dashboard and the export share. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import { newestEntries, type NewestWalk } from '../../../src/store/evidence/newest-entries.ts';
import { evidenceFields, makeJpeg, verified } from './evidence-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-newest-entries-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-12-06T08:00:00.000Z');

test('a crowded millisecond: skip moves past it and goes on; the walk counts every header read; a bound of 0 ends it unexhausted', {
  timeout: 30_000,
}, async () => {
  const store = new DirectoryEvidenceStore({ dir });
  await store.open();
  // Five images in one millisecond, two older ones.
  const offsets = [500, 500, 500, 500, 500, 10, 0];
  for (const [i, ms] of offsets.entries()) {
    await store.put(verified(evidenceFields({ seq: i, captured_at: new Date(T0 + ms).toISOString() }), await makeJpeg(i + 1)), new Date());
  }
  const walk: NewestWalk = { scanned: 0, exhausted: false };
  const got: number[] = [];
  for await (const e of newestEntries(store, {}, () => 3, 'skip', walk)) got.push(Date.parse(e.header.captured_at) - T0);
  // Page 1: three of the crowded millisecond; page 2: the same three again (nothing new), so the walk moves
  // past that millisecond; page 3: the two older images, a short page: the end.
  assert.deepEqual(got, [500, 500, 500, 10, 0]);
  assert.deepEqual(walk, { scanned: 8, exhausted: true });

  const bounded: NewestWalk = { scanned: 0, exhausted: false };
  let pages = 0;
  const seen: string[] = [];
  for await (const e of newestEntries(store, {}, () => (pages++ < 1 ? 2 : 0), 'skip', bounded)) seen.push(e.header.event_id);
  assert.deepEqual([seen.length, bounded.scanned, bounded.exhausted], [2, 2, false]);
  await store.close();
});

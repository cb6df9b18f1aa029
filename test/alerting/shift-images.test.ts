import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveShift } from '../../src/alerting/shifts/ranges.ts';
import { summarizeShift } from '../../src/alerting/shifts/summary.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { evidenceFields, makeJpeg, verified } from '../store/evidence/evidence-fixtures.ts';
import { calendar, END, MIN, NOW, START } from './shift-plant.ts';

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), 'seamline-shift-images-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const box = (cls: string, confidence: number) => ({ class: cls, class_id: cls === 'part' ? 0 : 1, confidence, bbox: [1, 2, 3, 4] });

test('the top evidence images of a shift: its defect images inside the exact bounds, highest confidence first', {
  timeout: 60_000,
}, async () => {
  const evidence = new DirectoryEvidenceStore({ dir: join(dir, 'evidence') });
  const store = new DuckDbStore({ path: ':memory:' });
  await Promise.all([evidence.open(), store.open()]);
  try {
    const images = [
      ['before', START - 1, [box('crack', 0.99)]],
      ['low', START, [box('part', 0.9), box('crack', 0.41)]],
      ['parts only', START + 10 * MIN, [box('part', 0.98)]],
      ['high', START + 20 * MIN, [box('part', 0.9), box('scratch', 0.6), box('crack', 0.95)]],
      ['middle', END - 1, [box('dent', 0.7)]],
      ['at the end', END, [box('crack', 0.97)]],
    ] as const;
    const ids = new Map<string, string>();
    for (const [i, [name, at, detections]] of images.entries()) {
      const fields = evidenceFields({ seq: i, captured_at: new Date(at).toISOString(), detections: detections.map((d) => ({ ...d })) });
      ids.set(fields.event_id, name);
      await evidence.put(verified(fields, await makeJpeg(i + 1)), new Date(at + 1_000));
    }
    const cal = calendar();
    const run = resolveShift(cal, { shift: 'night', date: '2026-03-28' }, NOW);
    const summary = await summarizeShift(store.capabilities.shiftCounts, cal, run, {
      nowMs: NOW,
      evidence,
      partClass: 'part',
      imageLimit: 3,
    });
    assert.deepEqual(
      summary.images.map((i) => [ids.get(i.eventId), i.class, i.confidence, i.capturedAt]),
      [
        ['high', 'crack', 0.95, new Date(START + 20 * MIN).toISOString()],
        ['middle', 'dent', 0.7, new Date(END - 1).toISOString()],
        ['low', 'crack', 0.41, new Date(START).toISOString()],
      ],
    );
    const without = await summarizeShift(store.capabilities.shiftCounts, cal, run, { nowMs: NOW });
    assert.deepEqual(without.images, [], 'no evidence store, no images');
  } finally {
    await Promise.all([evidence.close(), store.close()]);
  }
});

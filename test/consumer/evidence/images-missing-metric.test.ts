/**
 * seamline_consumer_evidence_images_missing on the consumer's registry, read from a real DirectoryEvidenceStore
 * holding numbered images with holes: the exact figure per camera (all its streams summed), and a scrape that
 * still succeeds, keeping the last figures, when the store cannot answer.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { evidenceMetrics } from '../../../src/consumer/evidence/evidence-metrics.ts';
import type { EvidenceIngestStats } from '../../../src/consumer/evidence/evidence-ingest.ts';
import { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import { IMAGE_SEQS_FILE } from '../../../src/store/evidence/image-seqs.ts';
import { HOLES, seedImages } from '../../dashboard/image-gaps-seed.ts';

const ingest: EvidenceIngestStats = { received: 0, stored: 0, bytes: 0, duplicates: 0, deadLettered: 0, storeFailures: 0, pending: 0 };
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seamline-images-missing-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The gauge's lines of a scrape, `{labels} value` each, sorted. */
function missingLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('seamline_consumer_evidence_images_missing{'))
    .map((l) => l.slice('seamline_consumer_evidence_images_missing'.length))
    .sort();
}

const EXPECTED = [
  '{region="eu",site="plant-1",camera="cam-01"} 5',
  '{region="eu",site="plant-1",camera="cam-02"} 0',
  '{region="eu",site="plant-2",camera="cam-01"} 4',
];

test('images_missing: each camera its streams summed, exactly, from a directory store', { timeout: 30_000 }, async () => {
  const store = new DirectoryEvidenceStore({ dir: join(dir, 'exact') });
  await store.open();
  try {
    const registry = evidenceMetrics({ ingest, store });
    const empty = await registry.metrics();
    assert.match(empty, /# HELP seamline_consumer_evidence_images_missing .*store-wide/);
    assert.deepEqual(missingLines(empty), [], 'no camera before any numbered image');
    await seedImages(store, HOLES, T0);
    assert.deepEqual(missingLines(await registry.metrics()), EXPECTED);
  } finally {
    await store.close();
  }
});

test('images_missing: a store that cannot answer keeps the last figures and the scrape succeeds', { timeout: 30_000 }, async () => {
  const folder = join(dir, 'failing');
  const writer = new DirectoryEvidenceStore({ dir: folder });
  await writer.open();
  await seedImages(writer, HOLES, T0);
  await writer.close();
  // A reader of the folder reads the numbers file at each imageGaps (as the dashboard's store does), so the
  // file made unreadable fails the query for real.
  const store = new DirectoryEvidenceStore({ dir: folder, readOnly: true });
  await store.open();
  const registry = evidenceMetrics({ ingest: { ...ingest, stored: 7 }, store });
  assert.deepEqual(missingLines(await registry.metrics()), EXPECTED);
  await rm(join(folder, IMAGE_SEQS_FILE));
  await mkdir(join(folder, IMAGE_SEQS_FILE));
  await assert.rejects(store.imageGaps(), /EISDIR|directory/i, 'the store must fail for real');
  const text = await registry.metrics();
  assert.deepEqual(missingLines(text), EXPECTED);
  assert.match(text, /seamline_consumer_evidence_stored_total 7\n/, 'the rest of the scrape is there');
  await store.close();
});

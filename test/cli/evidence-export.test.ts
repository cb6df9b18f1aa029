/**
 * `seamline evidence export`, run as an operator runs it (bin/seamline.js in a child process), over a real
 * DirectoryEvidenceStore beside a DuckDB path and over a real PostgreSQL: the filters pick the right images,
 * the folder reads back as a YOLO dataset whose label lines reproduce the stored boxes, a non-empty --out is
 * refused without --overwrite, and a read-only export creates nothing in a database.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { isSeamError, type Evidence } from '../../src/contract/index.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { evidenceDirFor } from '../../src/store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import type { EvidenceStore } from '../../src/store/evidence/evidence-store.ts';
import { PostgresEvidenceStore } from '../../src/store/evidence/postgres-store.ts';
import { splitOf } from '../../src/store/evidence/export/dataset.ts';
import { evidenceFields, makeJpeg, verified } from '../store/evidence/evidence-fixtures.ts';
import { seamline } from '../helpers/seamline-cli.ts';
import { assertReproducesStore, readDataset } from '../helpers/yolo-dataset.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-export-'));
let postgres: RunningPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const box = (cls: string, class_id: number, confidence: number, bbox: number[]) => ({ class: cls, class_id, confidence, bbox });
const v3 = { name: 'yolo11n-line3', version: 'v3' };

/** Five images: two cameras, three classes (the model's ids part 0, dent 1, crack 2), three model states, one masked. */
async function plant(): Promise<Record<'a' | 'b' | 'c' | 'd' | 'e', Evidence>> {
  const cam2 = { camera: 'cam-02' };
  const spec = {
    a: { captured_at: at(0), model: v3, detections: [box('part', 0, 0.9, [300, 200, 400, 300]), box('crack', 2, 0.4, [0, 0, 64, 36])] },
    b: { captured_at: at(1), model: v3, detections: [box('crack', 2, 0.95, [1240, 700, 80, 40])] },
    c: {
      ...cam2,
      captured_at: at(2),
      model: { ...v3, version: 'v2' },
      detections: [box('dent', 1, 0.3, [10, 10, 5, 5]), box('crack', 2, 0.3, [600, 300, 33.3, 12.7])],
    },
    d: { ...cam2, captured_at: at(3), detections: [box('part', 0, 0.8, [100, 100, 200, 200])] },
    e: { captured_at: at(4), model: v3, masked: true, detections: [box('crack', 2, 0.45, [1000, 500, 100, 50])] },
  };
  const out: Record<string, Evidence> = {};
  let seed = 1;
  for (const [k, s] of Object.entries(spec)) out[k] = verified(evidenceFields({ seq: seed, ...s }), await makeJpeg(seed++));
  return out as Record<'a' | 'b' | 'c' | 'd' | 'e', Evidence>;
}

async function fill(store: EvidenceStore): Promise<Record<'a' | 'b' | 'c' | 'd' | 'e', Evidence>> {
  const images = await plant();
  for (const e of Object.values(images)) assert.equal(await store.put(e, new Date()), 'stored');
  return images;
}

const idsOf = (...list: Evidence[]) => list.map((e) => e.header.event_id).sort();

/** The uncertain cracks: the band 0.25-0.5 of class crack, labels of cracks only, the model's ids. */
async function uncertainCracks(storeFlag: string[], reader: EvidenceStore, images: Record<string, Evidence>, out: string): Promise<void> {
  const r = await seamline(
    'evidence',
    'export',
    ...storeFlag,
    '--class',
    'crack',
    '--min-confidence',
    '0.25',
    '--max-confidence',
    '0.5',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.err);
  const dataset = readDataset(out);
  assert.deepEqual([...dataset.items.keys()].sort(), idsOf(images.a, images.c, images.e));
  assert.deepEqual(dataset.yaml.names, { 0: 'part', 1: 'dent', 2: 'crack' }, "the model's ids");
  assert.equal(await assertReproducesStore(dataset, reader, new Set(['crack'])), 3);
  assert.equal(dataset.manifest.counts.images, 3);
  assert.equal(dataset.manifest.counts.masked, 1);
  assert.deepEqual(dataset.manifest.per_class, { crack: { images: 3, boxes: 3 } });
  assert.match(r.out, /exported 3 image\(s\)/);
}

test('directory store: filters, the YOLO folder read back, --overwrite', { timeout: 120_000 }, async () => {
  const duckdb = join(dir, 'plant.duckdb');
  const writer = new DirectoryEvidenceStore({ dir: evidenceDirFor(duckdb) });
  await writer.open();
  const images = await fill(writer);
  const reader = new DirectoryEvidenceStore({ dir: evidenceDirFor(duckdb), readOnly: true });
  await reader.open();
  try {
    await uncertainCracks(['--store', duckdb], reader, images, join(dir, 'cracks'));

    // Everything, half in val: every box of every class, the one past the frame's corner cut at the edge.
    const all = join(dir, 'all');
    const r = await seamline('evidence', 'export', '--store', duckdb, '--out', all, '--split', 'val=0.5');
    assert.equal(r.code, 0, r.err);
    const dataset = readDataset(all);
    assert.equal(dataset.items.size, 5);
    assert.equal(await assertReproducesStore(dataset, reader), 7);
    // Each image in the split its event_id's digest puts it in (the ids are random: with five, all may land on one side).
    for (const [id, item] of dataset.items) assert.equal(item.split, splitOf(id, 0.5), `${id} in its split`);
    assert.deepEqual(dataset.items.get(images.b.header.event_id)!.labels, ['2 0.984375 0.986111 0.031250 0.027778']);
    assert.equal(dataset.yaml.val, 'images/val');
    assert.equal(dataset.yaml.path, all);

    // A non-empty folder is refused, naming --out; --overwrite replaces the export (same split for the same ids).
    const refused = await seamline('evidence', 'export', '--store', duckdb, '--out', all);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /SEAM_ERR_CONFIG.*--out .*not empty.*--overwrite/);
    const again = await seamline(
      'evidence',
      'export',
      '--store',
      duckdb,
      '--out',
      all,
      '--split',
      'val=0.5',
      '--overwrite',
      '--model-version',
      'v3',
    );
    assert.equal(again.code, 0, again.err);
    const v3only = readDataset(all);
    assert.deepEqual([...v3only.items.keys()].sort(), idsOf(images.a, images.b, images.e), 'only the v3 images; d names no model');
    for (const [id, item] of v3only.items) assert.equal(item.split, dataset.items.get(id)!.split, 'the split is by event_id');

    // Camera, time range and model together; the evidence folder named directly.
    const one = join(dir, 'one');
    const args = [
      '--evidence-dir',
      evidenceDirFor(duckdb),
      '--camera',
      'eu/plant-1/cam-01',
      '--model',
      v3.name,
      '--from',
      at(0.5),
      '--to',
      at(4),
    ];
    const r3 = await seamline('evidence', 'export', ...args, '--out', one);
    assert.equal(r3.code, 0, r3.err);
    assert.deepEqual([...readDataset(one).items.keys()], idsOf(images.b));

    // Bad flags are refused naming the flag.
    const bad = await seamline('evidence', 'export', '--out', join(dir, 'bad'), '--min-confidence', '0.6', '--max-confidence', '0.5');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--min-confidence 0.6 is not below --max-confidence 0.5/);
  } finally {
    await Promise.all([writer.close(), reader.close()]);
  }
});

test('postgres store: the same export; read-only it creates no table and refuses writes', { timeout: 120_000 }, async () => {
  const writer = new PostgresEvidenceStore({ url: postgres.url });
  await writer.open();
  const images = await fill(writer);
  const reader = new PostgresEvidenceStore({ url: postgres.url, readOnly: true });
  await reader.open();
  try {
    await uncertainCracks(['--store', postgres.url], reader, images, join(dir, 'pg-cracks'));
    await assert.rejects(reader.put(images.a, new Date()), (err) => isSeamError(err, 'SEAM_ERR_CONFIG'));
    await assert.rejects(reader.prune({ maxAgeMs: 0 }, Date.now()), (err) => isSeamError(err, 'SEAM_ERR_CONFIG'));
  } finally {
    await Promise.all([writer.close(), reader.close()]);
  }

  // A database no consumer has written to: the export reads no images and leaves it as it was.
  const admin = new pg.Client(postgres.url);
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE untouched');
    const url = postgres.url.replace(/\/postgres$/, '/untouched');
    const r = await seamline('evidence', 'export', '--store', url, '--out', join(dir, 'pg-empty'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /exported 0 image\(s\)/);
    assert.match(r.err, /no image matched/);
    const check = new pg.Client(url);
    await check.connect();
    const { rows } = await check.query(`SELECT to_regclass('public.evidence') AS t`);
    await check.end();
    assert.equal(rows[0].t, null, 'no evidence table created');
  } finally {
    await admin.end();
  }
  mkdirSync(join(dir, 'not-empty'));
  writeFileSync(join(dir, 'not-empty', 'notes.txt'), 'keep me');
  const refused = await seamline('evidence', 'export', '--store', postgres.url, '--out', join(dir, 'not-empty'));
  assert.equal(refused.code, 2);
});

/**
 * The dashboard's evidence API over a PostgresEvidenceStore (a real PostgreSQL from initdb): the same answers
 * as over the directory store (evidence-api.test.ts), the item of one image by event_id (.json, what the page's
 * viewer opens), and the scan bound stopping a search (`truncated: true`).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Evidence } from '../../src/contract/index.ts';
import { listEvidence } from '../../src/dashboard/evidence/evidence-list.ts';
import { parseEvidenceQuery } from '../../src/dashboard/evidence/evidence-query.ts';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresEvidenceStore } from '../../src/store/evidence/postgres-store.ts';
import { evidenceFields, makeEvidence, makeJpeg, verified } from '../store/evidence/evidence-fixtures.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const NOW = T0 + 3_600_000;
const ids = (items: { event_id: string }[]) => items.map((i) => i.event_id);

describe('dashboard evidence API over a PostgresEvidenceStore', () => {
  let server: RunningPostgres;
  let reader: DuckDbStore;
  let evidence: PostgresEvidenceStore;
  let dash: Dashboard;
  let camA: Evidence[];
  let camB: Evidence[];
  let big: Evidence;

  before(async () => {
    server = await startPostgres();
    reader = new DuckDbStore({ path: ':memory:' });
    await reader.open();
    evidence = new PostgresEvidenceStore({ url: server.url, schema: 'dash_evidence' });
    await evidence.open();
    camA = await makeEvidence(6, { camera: 'cam-a' }, T0, 1000);
    const dent = [{ class: 'dent', class_id: 2, confidence: 0.4, bbox: [1, 1, 5, 5] }];
    camB = await makeEvidence(4, { camera: 'cam-b', seq: 1, detections: dent }, T0 + 500, 1000);
    const fields = evidenceFields({
      camera: 'cam-c',
      captured_at: new Date(T0 + 60_000).toISOString(),
      image: { width: 640, height: 480 },
    });
    big = verified(fields, await makeJpeg(9, 640, 480));
    for (const e of [...camA, ...camB, big]) assert.equal(await evidence.put(e, new Date(NOW)), 'stored');
    dash = await startDashboard({ reader, port: 0, now: () => NOW, evidence });
  });

  after(async () => {
    await dash?.close();
    await evidence?.close();
    await reader?.close();
    await server?.stop();
  });

  const get = async (path: string) => {
    const res = await fetch(`${dash.url}${path}`);
    const json = res.headers.get('content-type')?.includes('json');
    return { status: res.status, headers: res.headers, body: json ? await res.json() : Buffer.from(await res.arrayBuffer()) };
  };
  const listed = async (q: string) => ids((await get(`/api/evidence?${q}`)).body.items);

  test('lists every image newest first with its header and urls', { timeout: 30_000 }, async () => {
    const { status, body } = await get('/api/evidence');
    assert.equal(status, 200);
    assert.equal(body.enabled, true);
    const all = [...camA, ...camB, big].sort((x, y) => Date.parse(y.header.captured_at) - Date.parse(x.header.captured_at));
    assert.deepEqual(ids(body.items), ids(all.map((e) => e.header)));
    const first = body.items[0];
    assert.deepEqual(first.image, { width: 640, height: 480, bytes: big.image.byteLength });
    assert.deepEqual(first.frame, big.header.frame);
    assert.deepEqual(first.detections, big.header.detections);
    assert.equal(first.received_at, new Date(NOW).toISOString());
    assert.equal(first.urls.image, `/api/evidence/${big.header.event_id}.jpg`);
    assert.equal(first.urls.thumb, `/api/evidence/${big.header.event_id}/thumb.jpg`);
  });

  test('filters by camera, class, minConfidence, time and limit', { timeout: 30_000 }, async () => {
    assert.equal((await listed('camera=eu/plant-1/cam-b')).length, 4);
    assert.equal((await listed('camera=eu/plant-1/cam-b,eu/plant-1/cam-c')).length, 5);
    assert.equal((await listed('camera=eu/plant-1/cam-b&camera=eu/plant-1/cam-a')).length, 10);
    assert.deepEqual(new Set(await listed('class=dent')), new Set(camB.map((e) => e.header.event_id)));
    assert.equal((await listed('minConfidence=0.5')).length, 7);
    assert.equal((await listed('class=dent&minConfidence=0.5')).length, 0);
    assert.equal((await listed(`from=${T0}&to=${T0 + 3000}`)).length, 6);
    assert.deepEqual(await listed('limit=2&camera=eu/plant-1/cam-a'), [camA[5].header.event_id, camA[4].header.event_id]);
    assert.deepEqual(await listed('camera=eu/plant-1/cam-c&limit=1'), [big.header.event_id]);
    const { body } = await get('/api/evidence?class=dent');
    assert.equal(body.scanned, 11);
    assert.equal(body.truncated, false);
    // Unfiltered, it reads only as many headers as it answers with (the page asks every 5 s while live).
    const few = (await get('/api/evidence?limit=3')).body;
    assert.deepEqual([few.items.length, few.scanned, few.truncated], [3, 3, false]);
    assert.equal((await get('/api/evidence?camera=eu/plant-1/cam-a&limit=1')).body.scanned, 1);
  });

  test('serves the stored bytes with the sha256 as strong ETag, and a 320 px thumbnail', { timeout: 30_000 }, async () => {
    const res = await get(`/api/evidence/${big.header.event_id}.jpg`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.ok(Buffer.compare(res.body, big.image) === 0, 'the stored bytes');
    assert.equal(res.headers.get('etag'), `"${createHash('sha256').update(res.body).digest('hex')}"`);
    const thumb = await get(`/api/evidence/${big.header.event_id}/thumb.jpg`);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('etag'), `"${big.header.image.sha256}-thumb"`);
    const meta = await sharp(thumb.body).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(Math.max(meta.width ?? 0, meta.height ?? 0), 320);
  });

  test("one image's item by event_id (.json): what the list gives for it; 404 unknown, 400 malformed", { timeout: 30_000 }, async () => {
    const { body: list } = await get('/api/evidence?camera=eu/plant-1/cam-b&limit=1');
    const one = await get(`/api/evidence/${camB[3].header.event_id}.json`);
    assert.equal(one.status, 200);
    assert.match(one.headers.get('cache-control') ?? '', /no-store/);
    assert.deepEqual(one.body, list.items[0]);
    assert.deepEqual(one.body.detections, camB[3].header.detections);
    assert.deepEqual(one.body.frame, camB[3].header.frame);
    const unknown = await get('/api/evidence/01890000-0000-7000-8000-000000000000.json');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /no image stored/);
    const bad = await get('/api/evidence/NOT-A-UUID.json');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, 'event_id');
    assert.equal((await get(`/api/evidence/${big.header.event_id}.png`)).status, 404);
  });

  test('the scan bound stops a search for a rare class and says so', { timeout: 30_000 }, async () => {
    const query = parseEvidenceQuery({ class: 'dent' }, NOW);
    const bounded = await listEvidence(evidence, query, 6);
    assert.equal(bounded.scanned, 6);
    assert.equal(bounded.truncated, true);
    // The six newest: big, camA[5], camA[4], camB[3], camA[3], camB[2]; two of them show a dent.
    assert.deepEqual(ids(bounded.items), [camB[3].header.event_id, camB[2].header.event_id]);
    const whole = await listEvidence(evidence, query, 12);
    assert.deepEqual(
      { scanned: whole.scanned, truncated: whole.truncated, n: whole.items.length },
      { scanned: 11, truncated: false, n: 4 },
    );
  });

  test('the access token guards the .json item too', { timeout: 30_000 }, async () => {
    const guarded = await startDashboard({ reader, host: '0.0.0.0', port: 0, token: 'secret-token-1234', now: () => NOW, evidence });
    try {
      const url = `http://127.0.0.1:${new URL(guarded.url).port}/api/evidence/${big.header.event_id}.json`;
      assert.equal((await fetch(url)).status, 401);
      const ok = await fetch(url, { headers: { authorization: 'Bearer secret-token-1234' } });
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).event_id, big.header.event_id);
    } finally {
      await guarded.close();
    }
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import type { Evidence } from '../../src/contract/index.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { evidenceFields, makeEvidence, makeJpeg, verified } from '../store/evidence/evidence-fixtures.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const NOW = T0 + 3_600_000;

describe('dashboard evidence API over a DirectoryEvidenceStore', () => {
  let dir: string;
  let reader: DuckDbStore;
  let evidence: DirectoryEvidenceStore;
  let dash: Dashboard;
  let camA: Evidence[];
  let camB: Evidence[];
  let big: Evidence;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seam-evapi-'));
    reader = new DuckDbStore({ path: ':memory:' });
    await reader.open();
    evidence = new DirectoryEvidenceStore({ dir: join(dir, 'evidence') });
    await evidence.open();
    camA = await makeEvidence(6, { camera: 'cam-a' }, T0, 1000);
    camB = await makeEvidence(
      4,
      { camera: 'cam-b', seq: 1, detections: [{ class: 'dent', class_id: 2, confidence: 0.4, bbox: [1, 1, 5, 5] }] },
      T0 + 500,
      1000,
    );
    big = verified(
      evidenceFields({ camera: 'cam-c', captured_at: new Date(T0 + 60_000).toISOString(), image: { width: 640, height: 480 } }),
      await makeJpeg(9, 640, 480),
    );
    for (const e of [...camA, ...camB, big]) assert.equal(await evidence.put(e, new Date(NOW)), 'stored');
    dash = await startDashboard({ reader, port: 0, now: () => NOW, evidence });
  });

  after(async () => {
    await dash.close();
    await evidence.close();
    await reader.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${dash.url}${path}`);
    return {
      status: res.status,
      headers: res.headers,
      body: res.headers.get('content-type')?.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()),
    };
  };

  test('lists every image newest first with its header and urls', { timeout: 30_000 }, async () => {
    const { status, body } = await get('/api/evidence');
    assert.equal(status, 200);
    assert.equal(body.enabled, true);
    assert.equal(body.items.length, 11);
    const times = body.items.map((i: { captured_at: string }) => Date.parse(i.captured_at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    const first = body.items[0];
    assert.equal(first.event_id, big.header.event_id);
    assert.deepEqual(first.image, { width: 640, height: 480, bytes: big.image.byteLength });
    assert.deepEqual(first.detections, big.header.detections);
    assert.equal(first.urls.image, `/api/evidence/${big.header.event_id}.jpg`);
    assert.equal(first.urls.thumb, `/api/evidence/${big.header.event_id}/thumb.jpg`);
  });

  test('filters by camera, class, minConfidence, time and limit', { timeout: 30_000 }, async () => {
    const ids = async (q: string) => (await get(`/api/evidence?${q}`)).body.items.map((i: { event_id: string }) => i.event_id);
    assert.equal((await ids('camera=eu/plant-1/cam-b')).length, 4);
    assert.equal((await ids('camera=eu/plant-1/cam-b,eu/plant-1/cam-c')).length, 5);
    assert.equal((await ids('camera=eu/plant-1/cam-b&camera=eu/plant-1/cam-a')).length, 10);
    assert.deepEqual(new Set(await ids('class=dent')), new Set(camB.map((e) => e.header.event_id)));
    assert.equal((await ids('minConfidence=0.5')).length, 7);
    assert.equal((await ids('class=dent&minConfidence=0.5')).length, 0);
    assert.equal((await ids(`from=${T0}&to=${T0 + 3000}`)).length, 6);
    assert.deepEqual(await ids('limit=2&camera=eu/plant-1/cam-a'), [camA[5].header.event_id, camA[4].header.event_id]);
    const { body } = await get('/api/evidence?class=dent');
    assert.equal(body.scanned, 11);
    assert.equal(body.truncated, false);
  });

  test('serves the stored bytes with the sha256 as strong ETag, and a 320 px thumbnail', { timeout: 30_000 }, async () => {
    const res = await get(`/api/evidence/${big.header.event_id}.jpg`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.ok(Buffer.compare(res.body, big.image) === 0);
    const sha = createHash('sha256').update(res.body).digest('hex');
    assert.equal(res.headers.get('etag'), `"${sha}"`);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    const thumb = await get(`/api/evidence/${big.header.event_id}/thumb.jpg`);
    assert.equal(thumb.status, 200);
    const meta = await sharp(thumb.body).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(Math.max(meta.width ?? 0, meta.height ?? 0), 320);
  });

  test('refuses bad parameters naming them; unknown ids 404, malformed ids 400', { timeout: 30_000 }, async () => {
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['minConfidence=2', 'minConfidence'],
      ['camera=cam-a', 'camera'],
      ['from=5&to=5', 'from'],
      ['minutes=0', 'minutes'],
      ['bogus=1', 'bogus'],
    ]) {
      const res = await get(`/api/evidence?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.field, field, q);
    }
    assert.equal((await get('/api/evidence/01890000-0000-7000-8000-000000000000.jpg')).status, 404);
    const bad = await get('/api/evidence/not-a-uuid.jpg');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, 'event_id');
  });

  test('the access token guards the evidence routes', { timeout: 30_000 }, async () => {
    const guarded = await startDashboard({ reader, host: '0.0.0.0', port: 0, token: 'secret-token', now: () => NOW, evidence });
    try {
      const port = new URL(guarded.url).port;
      for (const path of ['/api/evidence', `/api/evidence/${big.header.event_id}.jpg`, `/api/evidence/${big.header.event_id}/thumb.jpg`]) {
        assert.equal((await fetch(`http://127.0.0.1:${port}${path}`)).status, 401, path);
        const ok = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: 'Bearer secret-token' } });
        assert.equal(ok.status, 200, path);
        await ok.arrayBuffer();
      }
    } finally {
      await guarded.close();
    }
  });

  test('without an evidence store: enabled false, images 404', { timeout: 30_000 }, async () => {
    const plain = await startDashboard({ reader, port: 0, now: () => NOW });
    try {
      const list = await fetch(`${plain.url}/api/evidence`);
      assert.equal(list.status, 200);
      assert.deepEqual(await list.json(), { enabled: false, items: [] });
      const img = await fetch(`${plain.url}/api/evidence/${big.header.event_id}.jpg`);
      assert.equal(img.status, 404);
      assert.match((await img.json()).message, /no evidence store/);
    } finally {
      await plain.close();
    }
  });
});

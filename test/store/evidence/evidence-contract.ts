/**
 * What every EvidenceStore must do, run against each implementation (like test/store/store-contract.ts for
 * the detection stores). `build` returns a fresh, opened, empty store; `reopen` a second instance, opened, on
 * the same storage (a restart).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSeamError, type Evidence } from '../../../src/contract/index.ts';
import type { EvidenceStore } from '../../../src/store/evidence/evidence-store.ts';
import { makeEvidence } from './evidence-fixtures.ts';

export interface EvidenceContractOptions {
  build(): Promise<EvidenceStore>;
  reopen(store: EvidenceStore): Promise<EvidenceStore>;
}

const DAY = 86_400_000;
/** Noon UTC three days ago: images an hour apart cross midnight, so a list spans day folders. */
const START = Math.floor(Date.now() / DAY) * DAY - 3 * DAY + 12 * 3_600_000;
const bytesOf = (list: readonly Evidence[]) => list.reduce((n, e) => n + e.image.byteLength, 0);
const idsOf = (list: readonly { header: { event_id: string } }[]) => list.map((e) => e.header.event_id);
const newestFirst = (list: readonly Evidence[]) =>
  [...list].sort((a, b) => Date.parse(b.header.captured_at) - Date.parse(a.header.captured_at));

export function evidenceContract(name: string, o: EvidenceContractOptions): void {
  const withStore = async (fn: (store: EvidenceStore) => Promise<void>) => {
    const store = await o.build();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  test(`${name}: an image comes back byte for byte with its header`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const images = await makeEvidence(6, {}, START);
      for (const e of images) assert.equal(await store.put(e, new Date()), 'stored');
      for (const e of images) {
        const back = await store.get(e.header.event_id);
        assert.ok(back, e.header.event_id);
        assert.ok(back.image.equals(e.image), 'image bytes differ');
        assert.deepEqual(back.header, e.header);
      }
      assert.equal(await store.get('01900000-0000-7000-8000-000000000000'), null);
      assert.equal(await store.get('not-a-uuid'), null);
      assert.deepEqual(await store.stats(), { images: 6, bytes: bytesOf(images) });
    }),
  );

  test(`${name}: the event's model comes back when the image named one, and stays absent when not`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const model = { name: 'yolo11n-scratches', version: 'v3' };
      const [named] = await makeEvidence(1, { model, seq: 1 }, START);
      const [anonymous] = await makeEvidence(1, { seq: 2 }, START + 1000);
      for (const e of [named, anonymous]) assert.equal(await store.put(e, new Date()), 'stored');
      assert.deepEqual((await store.get(named.header.event_id))?.header.model, model);
      const back = await store.get(anonymous.header.event_id);
      assert.ok(back && !('model' in back.header), 'no model key at all: the header read back is the one that arrived');
      const listed = await store.list({ limit: 10 });
      assert.deepEqual(
        listed.map((e) => e.header.model),
        [undefined, model],
      );
    }),
  );

  test(`${name}: the same image at once and again later is stored once`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const [a, b] = await makeEvidence(2, {}, START);
      const results = await Promise.all([
        store.put(a, new Date()),
        store.put(a, new Date()),
        store.put(b, new Date()),
        store.put(a, new Date()),
      ]);
      assert.deepEqual(results.filter((r) => r === 'stored').length, 2);
      assert.equal(await store.put(b, new Date()), 'duplicate');
      assert.deepEqual(await store.stats(), { images: 2, bytes: bytesOf([a, b]) });
      assert.deepEqual(idsOf(await store.list()).sort(), idsOf([a, b]).sort());
    }),
  );

  test(`${name}: list is newest first, by camera, time range and limit`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const one = await makeEvidence(10, { camera: 'cam-01' }, START, 3_600_000);
      const two = await makeEvidence(10, { camera: 'cam-02', seq: 1 }, START + 1_800_000, 3_600_000);
      for (const e of [...one, ...two]) await store.put(e, new Date());
      const all = newestFirst([...one, ...two]);
      assert.deepEqual(idsOf(await store.list({ limit: 100 })), idsOf(all));
      assert.deepEqual(idsOf(await store.list({ limit: 3 })), idsOf(all.slice(0, 3)));
      assert.deepEqual(idsOf(await store.list({ cameras: ['eu/plant-1/cam-02'] })), idsOf(newestFirst(two)));
      // [from, to): the image captured exactly at `to` is out, the one at `from` in; the range crosses midnight.
      const fromMs = Date.parse(one[3].header.captured_at);
      const toMs = Date.parse(one[8].header.captured_at);
      const inRange = all.filter((e) => Date.parse(e.header.captured_at) >= fromMs && Date.parse(e.header.captured_at) < toMs);
      assert.equal(inRange.length, 10);
      assert.deepEqual(idsOf(await store.list({ fromMs, toMs })), idsOf(inRange));
      assert.deepEqual(
        idsOf(await store.list({ fromMs, toMs, cameras: ['eu/plant-1/cam-01'], limit: 2 })),
        idsOf(newestFirst(one.slice(3, 8)).slice(0, 2)),
      );
      assert.deepEqual(await store.list({ cameras: ['eu/plant-1/cam-99'] }), []);
    }),
  );

  test(`${name}: a bad list filter is refused naming its field`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      for (const [filter, field] of [
        [{ limit: 0 }, 'limit'],
        [{ limit: 1.5 }, 'limit'],
        [{ fromMs: Number.NaN }, 'fromMs'],
        [{ fromMs: 10, toMs: 5 }, 'fromMs'],
      ] as const) {
        await assert.rejects(store.list(filter), (err) => isSeamError(err, 'SEAM_ERR_BAD_QUERY') && err.field === field);
      }
    }),
  );

  test(`${name}: prune by age removes exactly the images captured before the cutoff`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const images = await makeEvidence(12, {}, START, 3_600_000);
      for (const e of images) await store.put(e, new Date());
      const nowMs = Date.parse(images[11].header.captured_at) + 1;
      // Older than 5 h: captured more than 5 h before nowMs, i.e. images 0..6 (image 6 is 5 h + 1 ms old).
      const removed = await store.prune({ maxAgeMs: 5 * 3_600_000 }, nowMs);
      assert.deepEqual(removed, { images: 7, bytes: bytesOf(images.slice(0, 7)) });
      assert.deepEqual(await store.stats(), { images: 5, bytes: bytesOf(images.slice(7)) });
      assert.deepEqual(idsOf(await store.list()), idsOf(newestFirst(images.slice(7))));
      assert.deepEqual(await store.prune({ maxAgeMs: 5 * 3_600_000 }, nowMs), { images: 0, bytes: 0 });
      assert.equal(await store.get(images[0].header.event_id), null);
    }),
  );

  test(`${name}: prune by bytes removes the oldest until the rest fits`, { timeout: 30_000 }, () =>
    withStore(async (store) => {
      const images = await makeEvidence(10, {}, START, 60_000);
      for (const e of [...images].reverse()) await store.put(e, new Date());
      const maxBytes = bytesOf(images.slice(6)) + 1; // the newest 4 fit, the newest 5 do not
      const removed = await store.prune({ maxBytes }, Date.now());
      assert.deepEqual(removed, { images: 6, bytes: bytesOf(images.slice(0, 6)) });
      assert.deepEqual(await store.stats(), { images: 4, bytes: bytesOf(images.slice(6)) });
      assert.deepEqual(idsOf(await store.list()), idsOf(newestFirst(images.slice(6))));
      assert.deepEqual(await store.prune({ maxBytes: 0, maxAgeMs: 0 }, Date.now()), { images: 4, bytes: bytesOf(images.slice(6)) });
      assert.deepEqual(await store.stats(), { images: 0, bytes: 0 });
    }),
  );

  test(`${name}: a restarted store has what it had, and still knows a duplicate`, { timeout: 30_000 }, async () => {
    const first = await o.build();
    const images = await makeEvidence(5, {}, START);
    try {
      for (const e of images) await first.put(e, new Date());
    } finally {
      await first.close();
    }
    const again = await o.reopen(first);
    try {
      assert.deepEqual(await again.stats(), { images: 5, bytes: bytesOf(images) });
      assert.equal(await again.put(images[2], new Date()), 'duplicate');
      const back = await again.get(images[4].header.event_id);
      assert.ok(back?.image.equals(images[4].image));
      assert.deepEqual(idsOf(await again.list()), idsOf(newestFirst(images)));
    } finally {
      await again.close();
    }
  });
}

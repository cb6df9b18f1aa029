/**
 * How every EvidenceStore counts image stream gaps (imageGaps), run against each implementation like
 * evidence-contract.ts. `build` returns a fresh, opened, empty store; `reopen` a second writer on the same
 * storage (a restart); `reader` a read-only store on it (the dashboard).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Evidence, EvidenceFields } from '../../../src/contract/index.ts';
import type { EvidenceStore, ImageStreamGaps } from '../../../src/store/evidence/evidence-store.ts';
import { evidenceFields, makeJpeg, verified } from './evidence-fixtures.ts';

export interface ImageGapsContractOptions {
  build(): Promise<EvidenceStore>;
  reopen(store: EvidenceStore): Promise<EvidenceStore>;
  reader(store: EvidenceStore): Promise<EvidenceStore>;
}

export const STREAM_A = 'a1b2c3d4e5f60718';
export const STREAM_B = '0000000000000001';
const START = Date.now() - 86_400_000;
let seed = 0;

/** One stamped image per number, of one camera and stream, a second apart (captured in seq order). */
export async function stamped(seqs: readonly number[], stream = STREAM_A, base: Partial<EvidenceFields> = {}): Promise<Evidence[]> {
  const jpeg = await makeJpeg(++seed);
  return seqs.map((seq) =>
    verified(
      evidenceFields({ seq, captured_at: new Date(START + seq * 1000).toISOString(), ...base, image_stream: { id: stream, seq } }),
      jpeg,
    ),
  );
}

export const gap = (camera: string, stream: string, newest: number, received: number): ImageStreamGaps => ({
  region: 'eu',
  site: 'plant-1',
  camera,
  stream,
  newest,
  received,
  missing: newest + 1 - received,
});

const putAll = async (store: EvidenceStore, images: readonly Evidence[]) => {
  const results = [];
  for (const e of images) results.push(await store.put(e, new Date()));
  return results;
};

export function imageGapsContract(name: string, o: ImageGapsContractOptions): void {
  test(`${name}: gaps per stream and camera; duplicates, late images, prune and a restart`, { timeout: 60_000 }, async () => {
    const store = await o.build();
    let again: EvidenceStore | undefined;
    try {
      assert.deepEqual(await store.imageGaps(), []);
      const a1 = await stamped([0, 1, 2, 4, 7]);
      const b1 = await stamped([2], STREAM_B);
      const a2 = await stamped([0, 3], STREAM_A, { camera: 'cam-02' });
      const plain = (await stamped([0, 1, 2], STREAM_A, { camera: 'cam-03' })).map(({ header: { image_stream, ...header }, image }) => ({
        header,
        image,
      }));
      const all = [...a1, ...b1, ...a2];
      assert.ok((await putAll(store, [...all, ...plain])).every((r) => r === 'stored'));
      const expected = [gap('cam-01', STREAM_B, 2, 1), gap('cam-01', STREAM_A, 7, 5), gap('cam-02', STREAM_A, 3, 2)];
      assert.deepEqual(await store.imageGaps(), expected, 'cam-03 is unnumbered: in no stream');
      assert.equal(expected[1].missing, 3);
      assert.ok((await putAll(store, [...all].reverse())).every((r) => r === 'duplicate'));
      assert.deepEqual(await store.imageGaps(), expected, 'duplicates change nothing');
      assert.deepEqual(await putAll(store, await stamped([3, 5, 6])), ['stored', 'stored', 'stored']);
      const late = [gap('cam-01', STREAM_B, 2, 1), gap('cam-01', STREAM_A, 7, 8), gap('cam-02', STREAM_A, 3, 2)];
      assert.deepEqual(await store.imageGaps(), late);
      assert.equal(late[1].missing, 0);
      const removed = await store.prune({ maxBytes: 0 }, Date.now());
      assert.equal(removed.images, 14);
      assert.deepEqual(await store.stats(), { images: 0, bytes: 0 });
      assert.deepEqual(await store.imageGaps(), late, 'retention leaves the counts alone');
      await store.close();
      again = await o.reopen(store);
      assert.deepEqual(await again.imageGaps(), late, 'a restarted store has the counts');
    } finally {
      await store.close();
      await again?.close();
    }
  });

  test(`${name}: get and list return image_stream exactly, and no key when the image had none`, { timeout: 30_000 }, async () => {
    const store = await o.build();
    try {
      const [numbered] = await stamped([41]);
      const [plain] = await stamped([42]);
      delete (plain.header as { image_stream?: unknown }).image_stream;
      for (const e of [numbered, plain]) assert.equal(await store.put(e, new Date()), 'stored');
      assert.deepEqual((await store.get(numbered.header.event_id))?.header, numbered.header);
      const back = await store.get(plain.header.event_id);
      assert.deepEqual(back?.header, plain.header);
      assert.ok(back && !('image_stream' in back.header), 'no image_stream key at all');
      const listed = await store.list();
      assert.deepEqual(
        listed.map((e) => e.header),
        [plain.header, numbered.header],
      );
      assert.ok(!('image_stream' in listed[0].header));
      assert.deepEqual(listed[1].header.image_stream, { id: STREAM_A, seq: 41 });
    } finally {
      await store.close();
    }
  });

  test(`${name}: 200 images put at once, twice over, with holes: each counted once`, { timeout: 60_000 }, async () => {
    const store = await o.build();
    try {
      // 0..249 without every fifth: 200 images, newest 249 (not a multiple of 5), 50 missing.
      const seqs = Array.from({ length: 250 }, (_, i) => i).filter((i) => i % 5 !== 0);
      const images = await stamped(seqs);
      const results = await Promise.all([...images, ...images].map((e) => store.put(e, new Date())));
      assert.equal(results.filter((r) => r === 'stored').length, 200);
      assert.deepEqual(await store.imageGaps(), [gap('cam-01', STREAM_A, 249, 200)]);
      assert.equal((await store.imageGaps())[0].missing, 50);
    } finally {
      await store.close();
    }
  });

  test(`${name}: a read-only store sees the writer's counts as they change`, { timeout: 30_000 }, async () => {
    const writer = await o.build();
    const reader = await o.reader(writer);
    try {
      assert.deepEqual(await reader.imageGaps(), []);
      await putAll(writer, await stamped([0, 2, 5]));
      assert.deepEqual(await reader.imageGaps(), [gap('cam-01', STREAM_A, 5, 3)]);
      await putAll(writer, await stamped([1, 9]));
      assert.deepEqual(await reader.imageGaps(), [gap('cam-01', STREAM_A, 9, 5)]);
      await writer.prune({ maxAgeMs: 0 }, Date.now() + 1);
      assert.deepEqual(await reader.imageGaps(), [gap('cam-01', STREAM_A, 9, 5)]);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
}

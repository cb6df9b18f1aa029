import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import { addSeq, IMAGE_SEQS_FILE } from '../../../src/store/evidence/image-seqs.ts';
import { gap, imageGapsContract, STREAM_A, stamped } from './image-gaps-contract.ts';

const dirOf = new WeakMap<object, string>();
const freshDir = () => mkdtempSync(join(tmpdir(), 'seamline-gaps-'));

async function storeIn(dir: string, options: { readOnly?: boolean; maxSeqIslands?: number } = {}): Promise<DirectoryEvidenceStore> {
  const store = new DirectoryEvidenceStore({ dir, ...options });
  await store.open();
  dirOf.set(store, dir);
  return store;
}

imageGapsContract('directory', {
  build: () => storeIn(freshDir()),
  reopen: (store) => storeIn(dirOf.get(store)!),
  reader: (store) => storeIn(dirOf.get(store)!, { readOnly: true }),
});

const islandsIn = (dir: string): [number, number][] => JSON.parse(readFileSync(join(dir, IMAGE_SEQS_FILE), 'utf8')).streams[0].islands;

test('directory: addSeq keeps sorted disjoint islands, a number twice changes nothing', { timeout: 10_000 }, () => {
  const islands: [number, number][] = [];
  for (const seq of [5, 1, 9, 3, 2, 10, 8, 0, 7]) assert.equal(addSeq(islands, seq), true, `${seq}`);
  assert.deepEqual(islands, [
    [0, 3],
    [5, 5],
    [7, 10],
  ]);
  for (const seq of [0, 3, 5, 8, 10]) assert.equal(addSeq(islands, seq), false, `${seq} again`);
  assert.equal(addSeq(islands, 4), true);
  assert.equal(addSeq(islands, 6), true);
  assert.deepEqual(islands, [[0, 10]]);
});

test('directory: a stream with more holes than the island bound still counts every missing number', { timeout: 60_000 }, async () => {
  const dir = freshDir();
  const store = await storeIn(dir, { maxSeqIslands: 10 });
  // Every even number from 0 to 80: 41 images, 40 holes, four times the bound.
  const evens = await stamped(Array.from({ length: 41 }, (_, i) => i * 2));
  for (const e of evens) assert.equal(await store.put(e, new Date()), 'stored');
  assert.deepEqual(await store.imageGaps(), [gap('cam-01', STREAM_A, 80, 41)]);
  assert.equal((await store.imageGaps())[0].missing, 40);
  assert.ok(islandsIn(dir).length <= 10, `${islandsIn(dir).length} islands kept`);
  // Duplicates, old ones inside the merged islands too, change nothing.
  for (const e of [evens[0], evens[3], evens[40]]) assert.equal(await store.put(e, new Date()), 'duplicate');
  assert.deepEqual(await store.imageGaps(), [gap('cam-01', STREAM_A, 80, 41)]);
  // A late image in a recent hole (still an island apart) is counted.
  await store.put((await stamped([79]))[0], new Date());
  assert.deepEqual(await store.imageGaps(), [gap('cam-01', STREAM_A, 80, 42)]);
  await store.close();
  const again = await storeIn(dir, { maxSeqIslands: 10 });
  assert.deepEqual(await again.imageGaps(), [gap('cam-01', STREAM_A, 80, 42)], 'the file survives a reopen');
  await again.close();
});

test('directory: a damaged numbers file is set aside, the store opens and counts again', { timeout: 30_000 }, async () => {
  for (const damage of ['{"version":1,"streams":[{"region":"eu"', '{"version":1,"streams":[{"islands":[[5,2]]}]}', 'null']) {
    const dir = freshDir();
    writeFileSync(join(dir, IMAGE_SEQS_FILE), damage);
    const reader = await storeIn(dir, { readOnly: true });
    assert.deepEqual(await reader.imageGaps(), [], 'a reader reads a damaged file as no streams');
    assert.ok(existsSync(join(dir, IMAGE_SEQS_FILE)), 'and leaves it where it is');
    await reader.close();
    const store = await storeIn(dir);
    assert.deepEqual(await store.imageGaps(), []);
    assert.equal(readFileSync(join(dir, `${IMAGE_SEQS_FILE}.damaged`), 'utf8'), damage);
    assert.ok(!existsSync(join(dir, IMAGE_SEQS_FILE)));
    for (const e of await stamped([0, 2])) assert.equal(await store.put(e, new Date()), 'stored');
    assert.deepEqual(await store.imageGaps(), [gap('cam-01', STREAM_A, 2, 2)]);
    await store.close();
    const again = await storeIn(dir);
    assert.deepEqual(await again.imageGaps(), [gap('cam-01', STREAM_A, 2, 2)]);
    await again.close();
  }
});

test('directory: an image stored but not yet counted (a crash between the two) is counted when it comes again', {
  timeout: 30_000,
}, async () => {
  const dir = freshDir();
  const store = await storeIn(dir);
  const [first, second] = await stamped([0, 1]);
  await store.put(first, new Date());
  const countedFirst = readFileSync(join(dir, IMAGE_SEQS_FILE));
  await store.put(second, new Date());
  await store.close();
  // The state a crash after the second image's sidecar, before the numbers file's rename, leaves; and its temp file.
  writeFileSync(join(dir, IMAGE_SEQS_FILE), countedFirst);
  writeFileSync(join(dir, `.${IMAGE_SEQS_FILE}.4242.tmp`), '{"version":1,"str');
  const again = await storeIn(dir);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
    'open removes the temp file',
  );
  assert.deepEqual(await again.imageGaps(), [gap('cam-01', STREAM_A, 0, 1)]);
  assert.equal(await again.put(second, new Date()), 'duplicate');
  assert.deepEqual(await again.imageGaps(), [gap('cam-01', STREAM_A, 1, 2)]);
  await again.close();
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { sha256Hex } from '../../../src/contract/index.ts';
import { killWithUs } from '../../../src/plumbing/children.ts';
import { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import { basePath } from '../../../src/store/evidence/directory-layout.ts';
import { evidenceContract } from './evidence-contract.ts';
import { makeEvidence } from './evidence-fixtures.ts';
import { waitFor } from '../../helpers/wait.ts';

const dirOf = new WeakMap<object, string>();

async function storeIn(dir: string, readOnly = false): Promise<DirectoryEvidenceStore> {
  const store = new DirectoryEvidenceStore({ dir, readOnly });
  await store.open();
  dirOf.set(store, dir);
  return store;
}

evidenceContract('directory', {
  build: () => storeIn(mkdtempSync(join(tmpdir(), 'seamline-evidence-'))),
  reopen: (store) => storeIn(dirOf.get(store)!),
});

/** Every file under `dir`, relative. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();

test('directory: leftovers of an interrupted put are ignored, then removed at open', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-'));
  const [whole, cutBeforeSidecar, cutInImage] = await makeEvidence(3);
  const store = await storeIn(dir);
  await store.put(whole, new Date());
  await store.close();
  // A crash after the image's rename, before the sidecar's; and one halfway through the image's temp file.
  const base = basePath(dir, cutBeforeSidecar.header);
  writeFileSync(`${base}.jpg`, cutBeforeSidecar.image);
  const tempBase = basePath(dir, cutInImage.header);
  writeFileSync(join(dirname(tempBase), `.${tempBase.split('/').pop()}.jpg.4242.tmp`), cutInImage.image.subarray(0, 100));
  const reader = await storeIn(dir, true);
  assert.deepEqual(await reader.stats(), { images: 1, bytes: whole.image.byteLength });
  assert.equal(await reader.get(cutBeforeSidecar.header.event_id), null);
  assert.equal(filesUnder(dir).length, 4, 'a reader removes nothing');
  const reopened = await storeIn(dir);
  assert.deepEqual(
    filesUnder(dir).filter((f) => !f.includes(whole.header.event_id)),
    [],
  );
  assert.equal(await reopened.put(cutBeforeSidecar, new Date()), 'stored');
  assert.ok((await reopened.get(cutBeforeSidecar.header.event_id))?.image.equals(cutBeforeSidecar.image));
  assert.deepEqual(await reopened.stats(), { images: 2, bytes: whole.image.byteLength + cutBeforeSidecar.image.byteLength });
  await reopened.close();
});

test('directory: a reader in another process sees what the writer stored and pruned since', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-'));
  const writer = await storeIn(dir);
  const reader = await storeIn(dir, true);
  const images = await makeEvidence(4);
  for (const e of images) await writer.put(e, new Date());
  assert.ok((await reader.get(images[3].header.event_id))?.image.equals(images[3].image));
  assert.equal((await reader.list()).length, 4);
  await writer.prune({ maxAgeMs: 0 }, Date.now() + 1);
  assert.deepEqual(await reader.stats(), { images: 0, bytes: 0 });
  assert.equal(await reader.get(images[0].header.event_id), null);
  await Promise.all([writer.close(), reader.close()]);
});

test('directory: a process killed mid-put leaves whole images only, and open cleans the rest', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-'));
  let acknowledged = 0;
  for (let round = 0; round < 3; round++) {
    const child = killWithUs(spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'put-until-killed.ts'), dir]));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    const target = 5 + round * 3;
    await waitFor(() => (out.match(/stored \d+/g)?.length ?? 0) >= target, 30_000, `${target} puts in round ${round}`);
    child.kill('SIGKILL');
    await once(child, 'exit');
    acknowledged += out.match(/stored \d+/g)!.length;
  }
  const store = await storeIn(dir);
  const { images } = await store.stats();
  // Each round may have finished one more put than it printed (killed after the sidecar's rename).
  assert.ok(images >= acknowledged && images <= acknowledged + 3, `${images} images after ${acknowledged} acknowledged puts`);
  const listed = await store.list({ limit: 1_000 });
  assert.equal(listed.length, images);
  for (const { header } of listed) {
    const back = await store.get(header.event_id);
    assert.equal(back?.image.byteLength, header.image.bytes);
    assert.equal(sha256Hex(back!.image), header.image.sha256, `image ${header.event_id} is not whole`);
  }
  assert.deepEqual(
    filesUnder(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
  assert.equal(filesUnder(dir).length, images * 2, 'one image and one sidecar per stored event, nothing else');
  await store.close();
});

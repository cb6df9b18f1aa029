/**
 * Child process for the crash test: stores large images into the evidence directory `argv[2]` one after
 * another and prints `stored <n>` after each put resolved, until the parent SIGKILLs it mid-put.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import { evidenceFields, verified } from './evidence-fixtures.ts';

const store = new DirectoryEvidenceStore({ dir: process.argv[2] });
await store.open();
// Noise compresses badly: ~600 KB each, so a kill is likely to land inside a write.
const jpegs = await Promise.all(
  [1, 2, 3].map((i) =>
    sharp(randomBytes(640 * 480 * 3), { raw: { width: 640, height: 480, channels: 3 } })
      .jpeg({ quality: 95 + i })
      .toBuffer(),
  ),
);
for (let n = 1; ; n++) {
  const jpeg = jpegs[n % jpegs.length];
  await store.put(verified(evidenceFields({ seq: n, image: { width: 640, height: 480 } }), jpeg), new Date());
  process.stdout.write(`stored ${n}\n`);
}

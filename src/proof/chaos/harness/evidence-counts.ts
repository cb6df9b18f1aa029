import { readdirSync } from 'node:fs';
import { sha256Hex } from '../../../contract/index.ts';
import { DirectoryEvidenceStore } from '../../../store/evidence/directory-store.ts';
import { MAX_EVIDENCE_LIST } from '../../../store/evidence/evidence-store.ts';
import { duckdbMissing } from './stored-counts.ts';

/** What an evidence folder holds, read back after the consumer closed it: the verdict does not trust the code under test. */
export interface ImageCounts {
  /** Images the store lists (each has its sidecar). */
  stored: number;
  /** `.jpg` files on disk, and how many more of them there are than distinct event ids (an image stored twice). */
  files: number;
  storedTwice: number;
  /** Stored images whose bytes do not match their header's SHA-256 (or that cannot be read back). */
  badDigest: number;
  /** Stored images of an event_id the edge never offered an image for. */
  foreign: number;
  /** Stored images whose event is not in the DuckDB file. */
  unlinked: number;
  /** The event ids of the stored images. */
  ids: Set<string>;
}

function jpegFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.jpg') && !e.name.startsWith('.'))
    .map((e) => e.name);
}

export async function evidenceCounts(dir: string, duckdbPath: string, offered: Set<string>): Promise<ImageCounts> {
  const store = new DirectoryEvidenceStore({ dir, readOnly: true });
  await store.open();
  try {
    const entries = await store.list({ limit: MAX_EVIDENCE_LIST });
    const ids = new Set(entries.map((e) => e.header.event_id));
    let badDigest = 0;
    for (const { header } of entries) {
      const got = await store.get(header.event_id);
      if (!got || sha256Hex(got.image) !== header.image.sha256 || got.image.byteLength !== header.image.bytes) badDigest++;
    }
    const files = jpegFiles(dir);
    const fileIds = new Set(files.map((f) => f.slice(f.indexOf('_') + 1, -'.jpg'.length)));
    return {
      stored: ids.size,
      files: files.length,
      storedTwice: files.length - fileIds.size,
      badDigest,
      foreign: [...ids].filter((id) => !offered.has(id)).length,
      unlinked: await duckdbMissing(duckdbPath, ids),
      ids,
    };
  } finally {
    await store.close();
  }
}

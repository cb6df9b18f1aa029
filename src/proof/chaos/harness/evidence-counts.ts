import { sha256Hex, type EvidenceV1 } from '../../../contract/index.ts';
import { PostgresEvidenceStore } from '../../../store/evidence/postgres-store.ts';
import { MAX_EVIDENCE_LIST } from '../../../store/evidence/evidence-store.ts';
import { postgresMissing } from './stored-counts.ts';

/**
 * What the `evidence` table in PostgreSQL holds, read back on a read-only store of its own after the consumer
 * closed it: the verdict does not trust the code under test.
 */
export interface ImageCounts {
  /** Images the store lists (each has its sidecar). */
  stored: number;
  /**
   * Rows beyond the distinct event ids (an image stored twice). The table's primary key is event_id, so this is 0
   * by construction; a second put of the same image is an ON CONFLICT DO NOTHING, counted by the consumer as a
   * duplicate, never a second row.
   */
  storedTwice: number;
  /** Stored images whose bytes do not match their header's SHA-256 (or that cannot be read back). */
  badDigest: number;
  /** Stored images of an event_id the edge never queued an image for. */
  foreign: number;
  /** Stored images whose event is not in the events table. */
  unlinked: number;
  /** The event ids of the stored images. */
  ids: Set<string>;
  /** Numbers (image_stream.seq) up to each stream's newest that no stored image carries, counted here from the headers. */
  gapsInHeaders: number;
  /** The same as the store counts it (imageGaps): the product's own figure, which the verdict compares with the above. */
  missingCounted: number;
  /** Stored images without an image_stream (an edge that does not number its images). */
  unnumbered: number;
}

/** Gaps per stream from the headers themselves: newest + 1 - distinct numbers. */
function headerGaps(headers: EvidenceV1[]): { gaps: number; unnumbered: number } {
  const streams = new Map<string, { newest: number; seqs: Set<number> }>();
  let unnumbered = 0;
  for (const h of headers) {
    if (!h.image_stream) {
      unnumbered++;
      continue;
    }
    const key = `${h.region}/${h.site}/${h.camera} ${h.image_stream.id}`;
    const s = streams.get(key) ?? { newest: -1, seqs: new Set<number>() };
    s.newest = Math.max(s.newest, h.image_stream.seq);
    s.seqs.add(h.image_stream.seq);
    streams.set(key, s);
  }
  let gaps = 0;
  for (const s of streams.values()) gaps += s.newest + 1 - s.seqs.size;
  return { gaps, unnumbered };
}

export async function evidenceCounts(postgresUrl: string, queued: Set<string>): Promise<ImageCounts> {
  const store = new PostgresEvidenceStore({ url: postgresUrl, readOnly: true });
  await store.open();
  try {
    const entries = await store.list({ limit: MAX_EVIDENCE_LIST });
    const ids = new Set(entries.map((e) => e.header.event_id));
    let badDigest = 0;
    for (const { header } of entries) {
      const got = await store.get(header.event_id);
      if (!got || sha256Hex(got.image) !== header.image.sha256 || got.image.byteLength !== header.image.bytes) badDigest++;
    }
    const { gaps, unnumbered } = headerGaps(entries.map((e) => e.header));
    const counted = (await store.imageGaps()).reduce((n, g) => n + g.missing, 0);
    const { images } = await store.stats();
    return {
      gapsInHeaders: gaps,
      missingCounted: counted,
      unnumbered,
      stored: ids.size,
      storedTwice: images - ids.size,
      badDigest,
      foreign: [...ids].filter((id) => !queued.has(id)).length,
      unlinked: await postgresMissing(postgresUrl, ids),
      ids,
    };
  } finally {
    await store.close();
  }
}

import { open, type Database, type RootDatabase } from 'lmdb';
import type { EvidenceFsyncPolicy } from './options.ts';

/** What the queue keeps of an image besides its bytes: enough to rebuild its place and publish it after a restart. */
export interface StoredIndexEntry {
  event_id: string;
  topic: string;
  bytes: number;
}

/**
 * The image queue's own LMDB environment, apart from the outbox's: `images` (position -> the message bytes)
 * and `index` (position -> event_id, topic, bytes). The two puts of one image run in the same event turn, so
 * lmdb-js writes them in one transaction: an image is never half there after a crash.
 */
export class EvidenceEnvironment {
  private readonly root: RootDatabase;
  private readonly images: Database<Buffer, number>;
  private readonly index: Database<StoredIndexEntry, number>;

  constructor(
    path: string,
    private readonly fsync: EvidenceFsyncPolicy,
  ) {
    // overlappingSync (the Linux default) lets the fsync of one commit run while the next one is built;
    // `separateFlushed` gives each write promise a `.flushed` so `always` can wait for the fsync itself.
    this.root = open({ path, separateFlushed: true });
    this.images = this.root.openDB<Buffer, number>({ name: 'images', encoding: 'binary' });
    this.index = this.root.openDB<StoredIndexEntry, number>({ name: 'index', encoding: 'msgpack' });
  }

  /** Writes one image; resolves once it may be sent (committed, or fsync'd under `always`). */
  write(position: number, payload: Buffer, entry: StoredIndexEntry): Promise<void> {
    const written = this.images.put(position, payload) as Promise<boolean> & { flushed?: Promise<unknown> };
    this.index.put(position, entry);
    const done = this.fsync === 'always' && written.flushed ? written.flushed : written;
    return done.then(() => undefined);
  }

  read(position: number): Buffer | undefined {
    return this.images.getBinary(position) ?? undefined;
  }

  remove(position: number): void {
    void this.images.remove(position);
    void this.index.remove(position);
  }

  /** Every stored image in position order; an index entry whose image is missing is removed, not returned. */
  *stored(): Generator<[position: number, entry: StoredIndexEntry]> {
    for (const { key, value } of this.index.getRange()) {
      if (this.images.doesExist(key)) yield [key, value];
      else void this.index.remove(key);
    }
  }

  /** Waits until every write so far is committed and fsync'd. */
  async flush(): Promise<void> {
    await this.root.committed;
    await this.root.flushed;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.root.close();
  }
}

import { randomBytes } from 'node:crypto';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { EvidenceFsyncPolicy } from './options.ts';

/** What the queue keeps of an image besides its bytes: enough to rebuild its place and publish it after a restart. */
export interface StoredIndexEntry {
  event_id: string;
  topic: string;
  bytes: number;
}

/** A camera's next image number, written in the same transaction as the image that took the one before. */
export interface NextImageSeq {
  camera: string;
  next: number;
}

const STREAM_KEY = 'stream';
const seqKey = (camera: string) => `seq:${camera}`;

/**
 * The image queue's own LMDB environment, apart from the outbox's: `images` (position -> the message bytes),
 * `index` (position -> event_id, topic, bytes) and `meta` (the stream's id, each camera's next image number).
 * The puts of one image run in the same event turn, so lmdb-js writes them in one transaction: an image is
 * never half there after a crash, and its number is taken exactly when the image is stored.
 */
export class EvidenceEnvironment {
  private readonly root: RootDatabase;
  private readonly images: Database<Buffer, number>;
  private readonly index: Database<StoredIndexEntry, number>;
  private readonly meta: Database<string | number, string>;
  /** This queue's image stream (evidence.v1 image_stream.id): made once, with the environment. */
  readonly streamId: string;

  constructor(
    path: string,
    private readonly fsync: EvidenceFsyncPolicy,
  ) {
    // overlappingSync (the Linux default) lets the fsync of one commit run while the next one is built;
    // `separateFlushed` gives each write promise a `.flushed` so `always` can wait for the fsync itself.
    this.root = open({ path, separateFlushed: true });
    this.images = this.root.openDB<Buffer, number>({ name: 'images', encoding: 'binary' });
    this.index = this.root.openDB<StoredIndexEntry, number>({ name: 'index', encoding: 'msgpack' });
    this.meta = this.root.openDB<string | number, string>({ name: 'meta', encoding: 'msgpack' });
    const stream = this.meta.get(STREAM_KEY);
    this.streamId = typeof stream === 'string' ? stream : randomBytes(8).toString('hex');
    // Durable before any image carries it: a stream id that a crash could change would split one stream in two.
    if (stream === undefined) this.meta.putSync(STREAM_KEY, this.streamId);
  }

  /** The number a camera's next image takes: one more than the last one stored (0 for a camera's first). */
  nextSeq(camera: string): number {
    const next = this.meta.get(seqKey(camera));
    return typeof next === 'number' ? next : 0;
  }

  /** Writes one image; resolves once it may be sent (committed, or fsync'd under `always`). */
  write(position: number, payload: Buffer, entry: StoredIndexEntry, seq: NextImageSeq): Promise<void> {
    const written = this.images.put(position, payload) as Promise<boolean> & { flushed?: Promise<unknown> };
    this.index.put(position, entry);
    this.meta.put(seqKey(seq.camera), seq.next);
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

import { open, type Database, type RootDatabase } from 'lmdb';
import { firstKey, NEXT_POSITION, seqKey, type Meta } from './meta.ts';
import type { FsyncPolicy } from './options.ts';

/**
 * The outbox's LMDB environment: the `entries` table (position -> entry, see entry.ts) and the `meta` table
 * (see meta.ts). Writes of one event-loop turn share one LMDB transaction (lmdb-js event-turn batching), and
 * so one fsync: that is the group commit.
 */
export class OutboxEnvironment {
  private readonly root: RootDatabase;
  readonly entries: Database<Buffer, number>;
  readonly meta: Meta;
  private readonly waitForFlush: boolean;

  constructor(
    path: string,
    private readonly fsync: FsyncPolicy,
  ) {
    this.waitForFlush = fsync === 'always';
    this.root = open({
      path,
      noSync: fsync === 'never',
      // overlappingSync (the Linux default) lets the fsync of one commit run while the next one is built;
      // `separateFlushed` gives each write promise a `.flushed` so `always` can wait for the fsync itself.
      separateFlushed: true,
    });
    this.entries = this.root.openDB<Buffer, number>({ name: 'entries', encoding: 'binary' });
    this.meta = this.root.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
  }

  /**
   * Writes an entry with its stream's seq and the position counter (and the stream's first seq, when this is
   * its first entry); resolves when the entry is durable as the fsync policy defines it.
   */
  writeEntry(position: number, value: Buffer, stream: string, seq: number, nextPosition: number, first: boolean): Promise<void> {
    // Same event turn, same transaction: the entry, its seq and the position counter commit together.
    const written = this.entries.put(position, value) as Promise<boolean> & { flushed?: Promise<unknown> };
    this.meta.put(seqKey(stream), seq);
    this.meta.put(NEXT_POSITION, nextPosition);
    if (first) this.meta.put(firstKey(stream), seq);
    return this.waitForFlush && written.flushed ? written.flushed.then(() => undefined) : written.then(() => undefined);
  }

  /** Waits until every write so far is committed and fsync'd (unless fsync is `never`). */
  async flush(): Promise<void> {
    await this.root.committed;
    if (this.fsync !== 'never') await this.root.flushed;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.root.close();
  }
}

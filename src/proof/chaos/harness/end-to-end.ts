import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto, type RunningMosquitto } from '../../services/mosquitto.ts';
import { startConsumer, type ConsumerOptions, type RunningConsumer } from '../../../consumer/consumer.ts';
import { DuckDbStore } from '../../../store/duckdb/store.ts';
import { duckdbCounts, duckdbMissing, type StoredCounts } from './stored-counts.ts';
import { waitUntil } from './wait-until.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

/** Mosquitto, a consumer and a DuckDB file in a temp dir: where the edge scenarios check what arrived. */
export interface Downstream {
  dir: string;
  broker: RunningMosquitto;
  consumer: RunningConsumer;
  /** Waits until `produced` events are committed (or `timeoutMs`), stops everything, counts the file. */
  settle(produced: number, timeoutMs?: number): Promise<StoredCounts>;
  /** After settle(): how many of these event ids the file does not hold. */
  missing(ids: Iterable<string>): Promise<number>;
  close(): Promise<void>;
}

/**
 * `share: false` for scenarios that restart Mosquitto: 2.0.11 does not restore shared subscriptions from
 * its persistence, so messages published before the member resubscribes are dropped by the broker (seen
 * here; docs/operations.md). Those scenarios test the bridge, so they use the plain persistent subscription
 * the broker does restore.
 */
export async function startDownstream(options: { share?: boolean; consumer?: Partial<ConsumerOptions> } = {}): Promise<Downstream> {
  const dir = scratchDir('seamline-chaos-');
  const broker = await startMosquitto();
  const path = join(dir, 'chaos.duckdb');
  const store = new DuckDbStore({ path });
  await store.open();
  const consumer = await startConsumer({ url: broker.url, clientId: 'chaos-downstream', store, share: options.share, ...options.consumer });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await consumer.stop().catch(() => {});
    await store.close().catch(() => {});
    await broker.close();
  };
  return {
    dir,
    broker,
    consumer,
    async settle(produced, timeoutMs = 60_000) {
      const s = consumer.ingestor.stats;
      await waitUntil(() => s.committedEvents >= produced && s.pending === 0, timeoutMs);
      await consumer.stop();
      await store.close();
      return duckdbCounts(path);
    },
    missing: (ids) => duckdbMissing(path, ids),
    async close() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

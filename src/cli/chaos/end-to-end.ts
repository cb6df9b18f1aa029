import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto, type RunningMosquitto } from '../../broker/mosquitto.ts';
import { startConsumer, type RunningConsumer } from '../../consumer/consumer.ts';
import { DuckDbStore } from '../../store/duckdb.ts';
import { duckdbCounts, duckdbMissing, type StoredCounts } from './stored-counts.ts';
import { waitUntil } from './wait-until.ts';

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

export async function startDownstream(): Promise<Downstream> {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-chaos-'));
  const broker = await startMosquitto();
  const path = join(dir, 'chaos.duckdb');
  const store = new DuckDbStore({ path });
  await store.open();
  const consumer = await startConsumer({ url: broker.url, clientId: 'chaos-downstream', store });
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

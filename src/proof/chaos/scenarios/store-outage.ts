import { startMosquitto } from '../../services/mosquitto.ts';
import { startConsumer } from '../../../consumer/consumer.ts';
import { PostgresStore } from '../../../store/postgres/store.ts';
import { startPostgres } from '../../services/postgres.ts';
import { publishInWorker } from '../../bench/spawn-worker.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';
import { redeliverStored } from '../harness/redeliver.ts';
import { postgresCounts } from '../harness/stored-counts.ts';
import { waitUntil } from '../harness/wait-until.ts';

export interface StoreOutageOptions {
  events: number;
  rate: number;
  outageSeconds: number;
  /** Stored events published again at the end (default 2,000). */
  redelivered?: number;
}

/**
 * PostgreSQL crashes mid-stream and stays down: the consumer must stop acknowledging (the broker keeps
 * the data), hold its memory bounded, retry, and store everything exactly once when the store is back.
 * Then `redelivered` stored events are published again to a fresh consumer, which must refuse every one
 * (redeliver.ts): in PostgreSQL that, not rows minus distinct ids, is what can show a double write.
 */
export function storeOutage({ events, rate, outageSeconds, redelivered = 2_000 }: StoreOutageOptions): ChaosScenario {
  return {
    name: 'store-outage',
    description: `${events} events at ${rate}/s into PostgreSQL; the database crashes for ${outageSeconds} s mid-stream; then ${redelivered} stored events are redelivered`,
    async run(progress) {
      const [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
      const store = new PostgresStore({ url: postgres.url });
      try {
        await store.open();
        const consumer = await startConsumer({ url: broker.url, clientId: 'chaos-outage', store, retryMaxMs: 1_000 });
        const s = consumer.ingestor.stats;
        const publishing = publishInWorker({
          url: broker.url,
          count: events,
          rate,
          cameras: 6,
          protocolVersion: 5,
          window: 1000,
          clientId: 'chaos-pub',
        });
        await waitUntil(() => s.committedEvents > events / 5, 30_000);
        await postgres.crash();
        const down = Date.now();
        progress(`PostgreSQL crashed after ${s.committedEvents} events; down for ${outageSeconds} s`);
        let maxInFlight = 0;
        while (Date.now() - down < outageSeconds * 1000) {
          maxInFlight = Math.max(maxInFlight, consumer.session.inFlight);
          await new Promise((r) => setTimeout(r, 100));
        }
        await postgres.start();
        progress(`PostgreSQL back; ${s.storeFailures} failed commit attempts while it was down`);
        const { published } = await publishing;
        await waitUntil(() => s.committedEvents + s.duplicates >= published && s.pending === 0 && consumer.session.inFlight === 0, 60_000);
        await consumer.stop();
        const redelivery = await redeliverStored(broker.url, postgres.url, redelivered);
        progress(`redelivered ${redelivery.offered} stored events: ${redelivery.refused} refused, ${redelivery.inserted} inserted again`);
        const counts = await postgresCounts(postgres.url);
        return {
          ...verdict('store-outage', published, counts, counts.deadLetters, { redelivery }),
          outage_s: outageSeconds,
          failed_commits: s.storeFailures,
          max_in_flight: maxInFlight,
        };
      } finally {
        await store.close().catch(() => {});
        await Promise.all([broker.close(), postgres.stop()]);
      }
    },
  };
}

// A minute down: long enough that the broker holds tens of thousands for the consumer, which holds at most 2 x max-pending.
export const STORE_OUTAGE_CLI: StoreOutageOptions = { events: 40_000, rate: 2_000, outageSeconds: 60 };
export const storeOutageScenario = storeOutage(STORE_OUTAGE_CLI);

import { publishInWorker } from '../../bench/spawn-worker.ts';
import { startDownstream } from '../harness/end-to-end.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';
import { redeliverStored } from '../harness/redeliver.ts';
import { waitUntil } from '../harness/wait-until.ts';

export interface StoreOutageOptions {
  events: number;
  rate: number;
  outageSeconds: number;
  /** Stored events published again at the end (default 2,000). */
  redelivered?: number;
}

/**
 * PostgreSQL crashes mid-stream and stays down: the consumers must stop acknowledging (the broker keeps
 * the data), hold their memory bounded, retry, and store everything exactly once when the store is back.
 * Two `seamline consumer` processes on the shared subscription (harness/end-to-end.ts), watched from outside:
 * /health (state, open batch), resident memory, and failed commit attempts from /metrics once the store is back. Then `redelivered` stored
 * events are published again to a fresh consumer, which must refuse every one (redeliver.ts): in PostgreSQL
 * that, not rows minus distinct ids, is what can show a double write.
 */
export function storeOutage({ events, rate, outageSeconds, redelivered = 2_000 }: StoreOutageOptions): ChaosScenario {
  return {
    name: 'store-outage',
    description: `${events} events at ${rate}/s into two consumers on the shared subscription and PostgreSQL; the database crashes for ${outageSeconds} s mid-stream; then ${redelivered} stored events are redelivered`,
    async run(progress) {
      const down = await startDownstream({ clientId: 'chaos-outage', metrics: true });
      const { broker, postgres } = down;
      try {
        const publishing = publishInWorker({
          url: broker.url,
          count: events,
          rate,
          cameras: 6,
          protocolVersion: 5,
          window: 1000,
          clientId: 'chaos-pub',
        });
        const storedBefore = async () => (await down.storedEvents().catch(() => 0)) > events / 5;
        await waitUntil(storedBefore, 30_000);
        const before = await down.storedEvents();
        await postgres.crash();
        const downAt = Date.now();
        progress(`PostgreSQL crashed after ${before} events; down for ${outageSeconds} s`);
        // From outside the processes, every 100 ms: the most deliveries one consumer's open batch held (reading
        // pauses at max-pending; /health, as /metrics answers 500 without its store), the largest resident memory
        // of one consumer process, and the states /health reported.
        let maxPending = 0;
        let maxRssMb = 0;
        const states = new Set<string>();
        while (Date.now() - downAt < outageSeconds * 1000) {
          for (const h of await down.health()) {
            if (!h) continue;
            maxPending = Math.max(maxPending, h.pending);
            states.add(h.status);
          }
          maxRssMb = Math.max(maxRssMb, ...down.rssMb());
          await new Promise((r) => setTimeout(r, 100));
        }
        const failures = async () => (await down.metric('seamline_consumer_store_failures_total')).reduce((n, v) => n + Math.max(0, v), 0);
        await postgres.start();
        progress(`PostgreSQL back; consumers said ${[...states].join(', ')}, held at most ${maxPending} each, ${maxRssMb} MB`);
        const { published } = await publishing;
        // /metrics answers again once a consumer reads its store again.
        let settledFailures = 0;
        await waitUntil(async () => (await down.metric('seamline_consumer_store_failures_total')).every((v) => v >= 0), 10_000);
        settledFailures = await failures();
        const counts = await down.settle(published, 90_000);
        const redelivery = await redeliverStored(broker.url, postgres.url, redelivered);
        progress(`redelivered ${redelivery.offered} stored events: ${redelivery.refused} refused, ${redelivery.inserted} inserted again`);
        const after = await down.counts();
        const base = verdict('store-outage', published, after, after.deadLetters, { redelivery });
        return {
          ...base,
          outage_s: outageSeconds,
          failed_commits: settledFailures,
          max_pending: maxPending,
          max_rss_mb: maxRssMb,
          health_while_down: [...states].sort().join(','),
          per_consumer: counts.perConsumer.join(','),
          store: 'postgres',
          ok: base.ok && counts.settled && counts.perConsumer.length === 2 && counts.perConsumer.every((n) => n > 0),
        };
      } finally {
        await down.close();
      }
    },
  };
}

// A minute down: long enough that the broker holds tens of thousands for the consumers, each of which holds at most 2 x max-pending.
export const STORE_OUTAGE_CLI: StoreOutageOptions = { events: 40_000, rate: 2_000, outageSeconds: 60 };
export const storeOutageScenario = storeOutage(STORE_OUTAGE_CLI);

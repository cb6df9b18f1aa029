import { publishInWorker } from '../../bench/spawn-worker.ts';
import { startDownstream } from '../harness/end-to-end.ts';
import { redeliverStored } from '../harness/redeliver.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';

export interface ConsumerKillOptions {
  events: number;
  rate: number;
  kills: number;
  /** Stored events published again at the end (default 2,000; at most half of `events`). */
  redelivered?: number;
}

/**
 * Consumers are SIGKILLed mid-stream, again and again: whatever one had committed but not yet acknowledged
 * comes back from the broker after its restart, and the store must not count it twice. Two `seamline consumer`
 * processes on the shared subscription into PostgreSQL (harness/end-to-end.ts); kill k hits consumer k mod 2, so
 * the kills are spread over both, each restarted on its own session. PostgreSQL's unique index keeps rows minus
 * distinct ids at zero whatever happens, so at the end `redelivered` stored events are published again to a
 * consumer that has never seen them, which must refuse every one (redeliver.ts, as store-outage does).
 */
export const consumerKill = ({ events, rate, kills, redelivered = 2_000 }: ConsumerKillOptions): ChaosScenario => ({
  name: 'consumer-kill',
  description: `${events} events at ${rate}/s into two consumers on the shared subscription (PostgreSQL); a consumer is SIGKILLed ${kills} times mid-stream (each in turn) and restarted`,
  async run(progress) {
    const down = await startDownstream({ clientId: 'chaos-consumer', metrics: true });
    try {
      const publishing = publishInWorker({
        url: down.broker.url,
        count: events,
        rate,
        cameras: 6,
        protocolVersion: 5,
        window: 1000,
        clientId: 'chaos-pub',
      });
      const perConsumerKills = down.consumers.map(() => 0);
      const period = ((events / rate) * 1000) / (kills + 1);
      for (let k = 1; k <= kills; k++) {
        await new Promise((r) => setTimeout(r, period));
        const i = (k - 1) % down.consumers.length;
        await down.restart(i, async () => {
          perConsumerKills[i]++;
          progress(
            `kill ${k}/${kills}: consumer ${i + 1} SIGKILLed after ${await down.storedEvents()} stored; restarting it on its session`,
          );
        });
      }
      const { published } = await publishing;
      progress(`published ${published}; letting the consumers catch up`);
      const counts = await down.settle(published, 60_000);
      const redelivery = await redeliverStored(down.broker.url, down.postgres.url, Math.min(redelivered, Math.floor(published / 2)));
      progress(`redelivered ${redelivery.offered} stored events: ${redelivery.refused} refused, ${redelivery.inserted} inserted again`);
      const after = await down.counts();
      const base = verdict('consumer-kill', published, after, after.deadLetters, { redelivery });
      return {
        ...base,
        kills,
        kills_per_consumer: perConsumerKills.join(','),
        // Over all of each consumer's lives (a killed life's last /metrics): at least what each committed.
        per_consumer: counts.perConsumer.join(','),
        store: 'postgres',
        ok: base.ok && counts.settled && counts.perConsumer.length === 2 && counts.perConsumer.every((n) => n > 0),
      };
    } finally {
      await down.close();
    }
  },
});

export const CONSUMER_KILL_CLI: ConsumerKillOptions = { events: 30_000, rate: 3_000, kills: 3 };
export const consumerKillScenario = consumerKill(CONSUMER_KILL_CLI);

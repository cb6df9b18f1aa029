import mqtt from 'mqtt';
import { publishInWorker } from '../../bench/spawn-worker.ts';
import { poisonCatalogue } from './poison-catalogue.ts';
import { startDownstream } from '../harness/end-to-end.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';

const ROUNDS = 25;

/**
 * `goodEvents` good events with every kind of poison mixed in, 25 rounds of it, into two `seamline consumer`
 * processes on the shared subscription and PostgreSQL (harness/end-to-end.ts). Each poison message goes to one
 * of them; the dead letters are counted from PostgreSQL, where a letter's identity (topic and bytes) is unique, so
 * one redelivered after a crash is one letter: exactly 25 x the kinds, and both consumers must have committed.
 */
export const poisonAmong = (goodEvents: number): ChaosScenario => ({
  name: 'poison',
  description: `${goodEvents} good events with ${ROUNDS} rounds of every kind of poison mixed in, two consumers into PostgreSQL; every good event stored once, every poison dead-lettered once`,
  async run(progress) {
    const down = await startDownstream({ clientId: 'chaos-poison' });
    const broker = down.broker;
    try {
      const good = publishInWorker({
        url: broker.url,
        count: goodEvents,
        rate: 5_000,
        cameras: 6,
        protocolVersion: 5,
        window: 1000,
        clientId: 'chaos-good',
      });
      const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'chaos-poisoner' });
      const catalogue = poisonCatalogue();
      for (let round = 0; round < ROUNDS; round++) {
        // Each round's bytes its own (trailing spaces, poison still): the same bytes on the same topic are one dead
        // letter (store/store.ts deadLetterId), so identical rounds would be one letter per kind.
        const pad = Buffer.from(' '.repeat(round));
        await Promise.all(catalogue.map((p) => client.publishAsync(p.topic, Buffer.concat([p.payload, pad]), { qos: 1 })));
        await new Promise((r) => setTimeout(r, 100));
      }
      await client.endAsync();
      const { published } = await good;
      const poison = ROUNDS * catalogue.length;
      progress(`published ${published} good and ${poison} poison messages (${catalogue.length} kinds)`);
      const counts = await down.settle(published, 60_000, poison);
      const base = verdict('poison', published, counts, counts.deadLetters, { expectedDeadLetters: poison });
      return {
        ...base,
        poison_kinds: catalogue.length,
        per_consumer: counts.perConsumer.join(','),
        store: 'postgres',
        ok: base.ok && counts.settled && counts.perConsumer.length === 2 && counts.perConsumer.every((n) => n > 0),
      };
    } finally {
      await down.close();
    }
  },
});

export const poisonScenario = poisonAmong(20_000);

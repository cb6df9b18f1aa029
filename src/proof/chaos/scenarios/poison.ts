import { rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto } from '../../services/mosquitto.ts';
import { startConsumer } from '../../../consumer/consumer.ts';
import { DuckDbStore } from '../../../store/duckdb/store.ts';
import { publishInWorker } from '../../bench/spawn-worker.ts';
import { poisonCatalogue } from './poison-catalogue.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';
import { duckdbCounts } from '../harness/stored-counts.ts';
import { waitUntil } from '../harness/wait-until.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

const ROUNDS = 25;

/** `goodEvents` good events with every kind of poison mixed in, 25 rounds of it. */
export const poisonAmong = (goodEvents: number): ChaosScenario => ({
  name: 'poison',
  description: `${goodEvents} good events with ${ROUNDS} rounds of every kind of poison mixed in; every good event stored once, every poison dead-lettered`,
  async run(progress) {
    const dir = scratchDir('seamline-chaos-');
    const broker = await startMosquitto();
    const path = join(dir, 'chaos.duckdb');
    const store = new DuckDbStore({ path });
    try {
      await store.open();
      const consumer = await startConsumer({ url: broker.url, clientId: 'chaos-poison', store });
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
      const s = consumer.ingestor.stats;
      await waitUntil(() => s.committedEvents >= published && s.deadLettered >= poison && s.pending === 0, 60_000);
      await consumer.stop();
      await store.close();
      const counts = await duckdbCounts(path);
      return {
        ...verdict('poison', published, counts, counts.deadLetters, { expectedDeadLetters: poison }),
        poison_kinds: catalogue.length,
      };
    } finally {
      await store.close().catch(() => {});
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

export const poisonScenario = poisonAmong(20_000);

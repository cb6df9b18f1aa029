import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../../services/mosquitto.ts';
import { publishInWorker } from '../../bench/spawn-worker.ts';
import { spawnConsumerProcess } from '../harness/consumer-process.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';
import { duckdbCounts } from '../harness/stored-counts.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export interface ConsumerKillOptions {
  events: number;
  rate: number;
  kills: number;
}

/**
 * The consumer is SIGKILLed mid-stream, again and again: whatever it had committed but not yet
 * acknowledged comes back from the broker after the restart, and the store must not count it twice.
 */
export const consumerKill = ({ events, rate, kills }: ConsumerKillOptions): ChaosScenario => ({
  name: 'consumer-kill',
  description: `${events} events at ${rate}/s; the consumer (DuckDB) is SIGKILLed ${kills} times mid-stream and restarted`,
  async run(progress) {
    const dir = scratchDir('seamline-chaos-');
    const broker = await startMosquitto();
    const path = join(dir, 'chaos.duckdb');
    const args = ['--url', broker.url, '--client-id', 'chaos-consumer', '--store', path];
    let current = await spawnConsumerProcess(args);
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
      const period = ((events / rate) * 1000) / (kills + 1);
      for (let k = 1; k <= kills; k++) {
        await new Promise((r) => setTimeout(r, period));
        current.child.kill('SIGKILL');
        await current.exited;
        progress(`kill ${k}/${kills}: consumer SIGKILLed; restarting it on the same session`);
        current = await spawnConsumerProcess(args);
      }
      const { published } = await publishing;
      progress(`published ${published}; letting the consumer catch up`);
      // The file can only be read once the consumer has let go of it. What is still queued in the broker
      // is not lost, so a short count gets another round of consuming before the verdict, up to 10 s.
      let counts: Awaited<ReturnType<typeof duckdbCounts>>;
      for (let round = 0; ; round++) {
        await new Promise((r) => setTimeout(r, 2_000));
        current.child.kill('SIGTERM');
        await current.exited;
        counts = await duckdbCounts(path);
        if (counts.distinct >= published || round === 4) break;
        current = await spawnConsumerProcess(args);
      }
      return { ...verdict('consumer-kill', published, counts, counts.deadLetters), kills };
    } finally {
      current.child.kill('SIGKILL');
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

export const CONSUMER_KILL_CLI: ConsumerKillOptions = { events: 30_000, rate: 3_000, kills: 3 };
export const consumerKillScenario = consumerKill(CONSUMER_KILL_CLI);

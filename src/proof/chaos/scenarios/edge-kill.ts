import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { killWithUs } from '../../../plumbing/children.ts';
import { repoPath } from '../../../plumbing/modules.ts';
import { freePort } from '../../services/free-port.ts';
import { SimulatedCamera } from '../../../edge/inputs/simulated-camera.ts';
import { startDownstream } from '../harness/end-to-end.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';
import { waitUntil } from '../harness/wait-until.ts';

const BIN = repoPath('bin/seamline.js');
const SECONDS = 12;
const CONCURRENCY = 32;
const KILLS = 3;
/** Answers each bridge life must give before it is killed: mid-stream on a slow machine too. */
const PER_LIFE = 500;

/**
 * `seamline edge` is SIGKILLed mid-stream, again and again, while a producer POSTs to it: every event it
 * answered 200 for was durable, so every one must arrive after the restarts, and its seq never repeats.
 * A kill comes after a quarter of the run and after at least PER_LIFE answers since that bridge started,
 * so a busy machine, where a restart takes seconds, stretches the run instead of emptying it.
 */
export const edgeKillScenario: ChaosScenario = {
  name: 'edge-kill',
  description: `a producer POSTs to seamline edge for at least ${SECONDS} s (${CONCURRENCY} at a time); the bridge is SIGKILLed ${KILLS} times, each after ${PER_LIFE}+ answers`,
  async run(progress) {
    const down = await startDownstream();
    const port = await freePort();
    const args = [
      BIN,
      'edge',
      '--url',
      down.broker.url,
      '--client-id',
      'chaos-edge',
      '--region',
      'eu',
      '--site',
      'chaos',
      '--camera',
      'cam-1',
      '--data-dir',
      join(down.dir, 'outbox'),
      '--http-port',
      String(port),
      '--log-level',
      'warn',
    ];
    let child: ChildProcess | undefined;
    const startBridge = async () => {
      child = killWithUs(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] }));
      await waitUntil(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        20_000,
      );
    };
    try {
      await startBridge();
      const camera = new SimulatedCamera({ camera: 'cam-1' });
      const accepted = new Set<string>();
      let refusedWhileDown = 0;
      let producingOn = true;
      const producer = async () => {
        while (producingOn) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/detections`, { method: 'POST', body: JSON.stringify(camera.next()) });
            if (res.ok) accepted.add(((await res.json()) as { event_id: string }).event_id);
            else await res.arrayBuffer();
          } catch {
            refusedWhileDown++;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      };
      const producing = Promise.all(Array.from({ length: CONCURRENCY }, producer));
      const life = async () => {
        const before = accepted.size;
        await new Promise((r) => setTimeout(r, (SECONDS * 1000) / (KILLS + 1)));
        await waitUntil(() => accepted.size - before >= PER_LIFE, 60_000);
      };
      for (let k = 1; k <= KILLS; k++) {
        await life();
        child!.kill('SIGKILL');
        await new Promise((r) => child!.once('exit', r));
        progress(`kill ${k}/${KILLS} after ${accepted.size} accepted; restarting on the same outbox`);
        await startBridge();
      }
      await life();
      producingOn = false;
      await producing;
      progress(`bridge answered 200 for ${accepted.size} events (${refusedWhileDown} requests failed while it was down)`);
      const counts = await down.settle(accepted.size);
      child!.kill('SIGTERM');
      const lost = await down.missing(accepted);
      return {
        ...verdict('edge-kill', accepted.size, counts, counts.deadLetters, { lost }),
        kills: KILLS,
        delivered_unanswered: counts.distinct - (accepted.size - lost),
      };
    } finally {
      child?.kill('SIGKILL');
      await down.close();
    }
  },
};

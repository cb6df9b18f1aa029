import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { killWithUs } from '../../../plumbing/children.ts';
import { seamlineArgs } from '../../../plumbing/modules.ts';
import { freePort } from '../../services/free-port.ts';
import { SimulatedCamera } from '../../../edge/inputs/simulated-camera.ts';
import { Deadline, sizedDeadlineMs } from '../harness/deadline.ts';
import { startDownstream } from '../harness/end-to-end.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';
import { waitUntil } from '../harness/wait-until.ts';

export interface EdgeKillOptions {
  /** Run for at least this long (the default run), unless `events` is given. */
  seconds: number;
  /** `--events N`: run until the bridge answered exactly N; the kills come at N/(kills+1), 2N/(kills+1), ... */
  events?: number;
  /** Requests in flight at once. */
  concurrency: number;
  kills: number;
  /** Answers each bridge life must give before it is killed: mid-stream on a slow machine too. */
  perLife: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startBridge(args: string[], port: number, deadline: Deadline): Promise<ChildProcess> {
  const child = killWithUs(spawn(process.execPath, seamlineArgs(args), { stdio: ['ignore', 'ignore', 'inherit'] }));
  const healthy = () =>
    fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
  await waitUntil(healthy, Math.min(20_000, deadline.left));
  return child;
}

/**
 * `seamline edge` is SIGKILLed mid-stream, again and again, while a producer POSTs to it: every event it
 * answered 200 for was durable, so every one must arrive after the restarts, and its seq never repeats.
 * By time (the default): a kill comes after a quarter of the run and after at least `perLife` answers since
 * that bridge started, so a busy machine, where a restart takes seconds, stretches the run instead of emptying
 * it. By count (`events`): kill k once k/(kills+1) of the events were answered, and the producer stops at
 * exactly `events` answers. Downstream: two consumer processes on the shared subscription into PostgreSQL.
 */
export const edgeKill = (o: EdgeKillOptions): ChaosScenario => ({
  name: 'edge-kill',
  description: `a producer POSTs to seamline edge ${o.events ? `until it answered ${o.events} events` : `for at least ${o.seconds} s`} (${o.concurrency} at a time); the bridge is SIGKILLed ${o.kills} times, each after ${o.perLife}+ answers; two consumers into PostgreSQL`,
  async run(progress) {
    const deadline = new Deadline(o.events ? sizedDeadlineMs(o.events, 300, 120_000) : 180_000);
    const down = await startDownstream({ clientId: 'chaos-edge-kill' });
    const port = await freePort();
    const region = ['--region', 'eu', '--site', 'chaos', '--camera', 'cam-1'];
    const args = ['edge', '--url', down.broker.url, '--client-id', 'chaos-edge', ...region, '--log-level', 'warn'];
    args.push('--data-dir', join(down.dir, 'outbox'), '--http-port', String(port));
    let child: ChildProcess | undefined;
    try {
      child = await startBridge(args, port, deadline);
      const camera = new SimulatedCamera({ camera: 'cam-1' });
      const accepted = new Set<string>();
      let refusedWhileDown = 0;
      let inFlight = 0;
      let producingOn = true;
      // By count, a request is only started while the answered plus the pending stay under N: exactly N answers.
      const room = () => producingOn && !deadline.passed && (o.events === undefined || accepted.size + inFlight < o.events);
      const producer = async () => {
        while (producingOn && !deadline.passed) {
          if (!room()) {
            await sleep(5);
            continue;
          }
          inFlight++;
          try {
            const res = await fetch(`http://127.0.0.1:${port}/detections`, { method: 'POST', body: JSON.stringify(camera.next()) });
            if (res.ok) accepted.add(((await res.json()) as { event_id: string }).event_id);
            else await res.arrayBuffer();
          } catch {
            refusedWhileDown++;
            await sleep(20);
          } finally {
            inFlight--;
          }
          if (o.events !== undefined && accepted.size >= o.events) producingOn = false;
        }
      };
      const producing = Promise.all(Array.from({ length: o.concurrency }, producer));
      const life = async (k: number) => {
        const before = accepted.size;
        if (o.events === undefined) await sleep((o.seconds * 1000) / (o.kills + 1));
        const target = o.events === undefined ? 0 : Math.floor((k * o.events) / (o.kills + 1));
        const what = o.events === undefined ? `life ${k}` : `${target} answers before kill ${k}`;
        await deadline.wait(
          () => accepted.size - before >= Math.min(o.perLife, (o.events ?? Infinity) - before) && accepted.size >= target,
          what,
        );
      };
      for (let k = 1; k <= o.kills && !deadline.missed; k++) {
        await life(k);
        child.kill('SIGKILL');
        await new Promise((r) => child!.once('exit', r));
        progress(`kill ${k}/${o.kills} after ${accepted.size} accepted; restarting on the same outbox`);
        child = await startBridge(args, port, deadline);
      }
      await life(o.kills + 1);
      producingOn = false;
      await producing;
      progress(`bridge answered 200 for ${accepted.size} events (${refusedWhileDown} requests failed while it was down)`);
      const counts = await down.settle(accepted.size, Math.max(30_000, Math.min(120_000, deadline.left)), 0, accepted);
      if (!counts.settled) deadline.miss(`PostgreSQL held fewer than the ${accepted.size} answered events`);
      child.kill('SIGTERM');
      const lost = await down.missing(accepted);
      const base = verdict('edge-kill', accepted.size, counts, counts.deadLetters, { lost });
      const sized = o.events === undefined || accepted.size === o.events;
      if (!sized) deadline.miss(`${accepted.size} of ${o.events} events answered`);
      return deadline.verdict({
        ...base,
        kills: o.kills,
        delivered_unanswered: counts.distinct - (accepted.size - lost),
        per_consumer: counts.perConsumer.join(','),
        store: 'postgres',
        ok: base.ok && sized && counts.perConsumer.every((n) => n > 0),
      });
    } finally {
      child?.kill('SIGKILL');
      await down.close();
    }
  },
});

export const EDGE_KILL_CLI: EdgeKillOptions = { seconds: 12, concurrency: 32, kills: 3, perLife: 500 };
export const edgeKillScenario = edgeKill(EDGE_KILL_CLI);

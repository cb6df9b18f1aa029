import { join } from 'node:path';
import { spawnConsumerProcess, type ConsumerProcess } from '../../chaos/harness/consumer-process.ts';
import { duckdbCounts, type StoredCounts } from '../../chaos/harness/stored-counts.ts';
import { waitUntil } from '../../chaos/harness/wait-until.ts';
import type { AvailableBroker } from '../../services/available-broker.ts';
import { freePort } from '../../services/free-port.ts';
import { publishInWorker } from '../spawn-worker.ts';

const CAMERAS = 4;
const CLIENT_ID = 'bench-start-consumer';

export interface ConsumerRestartOptions {
  broker: AvailableBroker;
  /** A temp dir the caller removes: the DuckDB file and its evidence folder go here. */
  dir: string;
  runs: number;
  /** Events a second the publisher sends while a consumer is killed and started again. */
  rate: number;
  /** Seconds each run publishes. */
  seconds: number;
  progress: (line: string) => void;
}

export interface ConsumerRestart {
  /** Per restart: ms from the spawn of `seamline consumer` to the end of its first committed batch. */
  ms: number[];
  /** Per restart: ms from the spawn to its "consumer running" log line (store open, subscribed), by the line's time. */
  runningMs: number[];
  /** Restarts whose first commit came while the publisher was still sending (else it committed a backlog). */
  underLoad: number;
  published: number;
  /** What the DuckDB file holds at the end, read once the last consumer has stopped. */
  stored: StoredCounts;
}

interface Health {
  lastCommitAt: string | null;
  pending: number;
}

/** The consumer's GET /health (503 while starting, the same JSON): null while it does not answer yet. */
async function health(url: string): Promise<Health | null> {
  try {
    return (await (await fetch(url)).json()) as Health;
  } catch {
    return null;
  }
}

const commitAt = (h: Health | null) => (h?.lastCommitAt ? Date.parse(h.lastCommitAt) : 0);

interface Life {
  proc: ConsumerProcess;
  health: string;
  spawnedAt: number;
  /** The end of its first commit, by its own clock (the same machine's). */
  firstCommitAt: number;
  /** The time of its "consumer running" log line (JSON: stderr is not a terminal). */
  runningAt: number;
}

function runningAt(log: string): number {
  const line = log.split('\n').find((l) => l.includes('"consumer running"'));
  return line ? (JSON.parse(line) as { time: number }).time : Number.NaN;
}

/**
 * First committed batch, seen from outside: the consumer's GET /health `lastCommitAt`, which it sets (Date.now(),
 * ms) when a commit has completed, just before it acknowledges the batch (ingest.ts recordCommit). It is the
 * consumer's own time of the commit, not the time we asked, so polling adds nothing to the figure; it names a
 * later commit only if two complete within one poll gap (20 ms), which a DuckDB commit under load does not do.
 * The logs say nothing per commit, /metrics counts commits without a time, and the store's committed_at is the
 * time a commit started. /health answers from before the store opens, so we poll it from the spawn on.
 */
async function spawnLife(args: string[]): Promise<Life> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/health`;
  const spawnedAt = Date.now();
  const starting = spawnConsumerProcess([...args, '--metrics-port', String(port)]);
  let firstCommitAt = 0;
  const committed = waitUntil(async () => (firstCommitAt = commitAt(await health(url))) > 0, 60_000);
  const proc = await starting;
  if (!(await committed)) {
    proc.child.kill('SIGKILL');
    throw new Error(`the consumer committed nothing within 60 s of its spawn: ${proc.log().slice(-1000)}`);
  }
  return { proc, health: url, spawnedAt, firstCommitAt, runningAt: runningAt(proc.log()) };
}

/** Publishes until the consumer has committed part of this run, then SIGKILLs it and starts it again. */
async function restartUnderLoad(o: ConsumerRestartOptions, args: string[], life: Life, run: number, count: number) {
  const publishing = publishInWorker({
    url: o.broker.url,
    count,
    rate: o.rate,
    cameras: CAMERAS,
    protocolVersion: o.broker.protocolVersion,
    window: 1000,
    clientId: `bench-start-pub-${run}`,
    seqStart: 1 + (run * count) / CAMERAS,
  });
  // A quarter of the run in (the publisher process starts first), and a commit since: events are flowing.
  await new Promise((r) => setTimeout(r, (o.seconds * 1000) / 4));
  const flowingSince = Date.now();
  if (!(await waitUntil(async () => commitAt(await health(life.health)) >= flowingSince, 30_000)))
    throw new Error('the consumer committed nothing while events were published');
  life.proc.child.kill('SIGKILL');
  await life.proc.exited;
  const next = await spawnLife(args);
  return { next, published: publishing.then((p) => ({ published: p.published, doneAt: Date.now() })) };
}

/**
 * `seamline consumer` on a DuckDB file, fed by a publisher at `rate`, SIGKILLed while events flow and spawned
 * again `runs` times: the ms from each new spawn to its first committed batch. At the end the last one drains
 * and stops, and the file is counted: every event published must be there, once.
 */
export async function consumerRestarts(o: ConsumerRestartOptions): Promise<ConsumerRestart> {
  const path = join(o.dir, 'start-bench.duckdb');
  const args = ['--url', o.broker.url, '--protocol', String(o.broker.protocolVersion), '--client-id', CLIENT_ID, '--store', path];
  const count = Math.max(CAMERAS, Math.round((o.rate * o.seconds) / CAMERAS) * CAMERAS);
  const ms: number[] = [];
  const runningMs: number[] = [];
  let published = 0;
  let underLoad = 0;
  // The first life is not timed (it creates the file): only the restarts are.
  let life = await spawnLife(args);
  try {
    for (let run = 0; run < o.runs; run++) {
      const step = await restartUnderLoad(o, args, life, run, count);
      life = step.next;
      ms.push(life.firstCommitAt - life.spawnedAt);
      runningMs.push(life.runningAt - life.spawnedAt);
      const sent = await step.published;
      published += sent.published;
      if (life.firstCommitAt < sent.doneAt) underLoad++;
      o.progress(
        `consumer restart ${run + 1}/${o.runs}: running ${runningMs.at(-1)} ms, first commit ${ms.at(-1)} ms after the spawn (${published} published)`,
      );
    }
    // Drained: nothing pending and no commit for a second; then a clean stop lets go of the file.
    const idle = (h: Health | null) => h !== null && h.pending === 0 && commitAt(h) > 0 && Date.now() - commitAt(h) >= 1000;
    await waitUntil(async () => idle(await health(life.health)), 30_000);
    life.proc.child.kill('SIGTERM');
    await life.proc.exited;
    return { ms, runningMs, underLoad, published, stored: await duckdbCounts(path) };
  } finally {
    life.proc.child.kill('SIGKILL');
  }
}

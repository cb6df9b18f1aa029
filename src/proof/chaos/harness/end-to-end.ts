import { rmSync } from 'node:fs';
import pg from 'pg';
import { startMosquitto, type RunningMosquitto } from '../../services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../services/postgres.ts';
import { spawnConsumerProcess, type ConsumerProcess } from './consumer-process.ts';
import { rssMb } from './proc-status.ts';
import { postgresCounts, postgresMissing, type StoredCounts } from './stored-counts.ts';
import { freePort } from '../../services/free-port.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

/**
 * Mosquitto, PostgreSQL and consumer processes writing into it (two on the shared subscription by default):
 * where the edge scenarios check what arrived, as a distributed deployment runs it (docs/proof.md).
 */
export interface Downstream {
  dir: string;
  broker: RunningMosquitto;
  postgres: RunningPostgres;
  consumers: ConsumerProcess[];
  /** Events PostgreSQL holds now (its unique index keeps them distinct). */
  storedEvents(): Promise<number>;
  /** What PostgreSQL holds now (events, detections, dead letters). */
  counts(): Promise<StoredCounts>;
  /**
   * Waits until PostgreSQL holds `produced` events and `deadLetters` dead letters (or `timeoutMs`), stops the
   * consumers (SIGTERM: they commit what they hold), counts the database. `perConsumer`: what each said it
   * committed as it stopped, plus (with `metrics`) what its earlier lives' /metrics said before `restart` killed them.
   * `accepted`: these ids must be stored too. A bridge may deliver events it never answered, so the count can
   * reach `produced` while an answered event is still on its way.
   */
  settle(
    produced: number,
    timeoutMs?: number,
    deadLetters?: number,
    accepted?: ReadonlySet<string>,
  ): Promise<StoredCounts & { settled: boolean; perConsumer: number[] }>;
  /** SIGKILLs consumer `i` (0-based) like a crashed host, waits for it to die, starts it again with the same flags. */
  restart(i: number, between?: () => Promise<void>): Promise<void>;
  /**
   * With `metrics: true`: each consumer's value of a `seamline_consumer_*` metric (summed over its labels), -1
   * where it did not answer (down, or restarting).
   */
  metric(name: string): Promise<number[]>;
  /**
   * With `metrics: true`: each consumer's /health (its status and the deliveries its open batch holds), undefined
   * where it did not answer. /metrics answers 500 while the store is down (gauges there read the store); /health
   * does not touch the store.
   */
  health(): Promise<({ status: string; pending: number } | undefined)[]>;
  /** Each consumer process's resident memory now, MB (from /proc), -1 where it cannot be read. */
  rssMb(): number[];
  /** How many of these event ids PostgreSQL does not hold. */
  missing(ids: Iterable<string>): Promise<number>;
  close(): Promise<void>;
}

export interface DownstreamOptions {
  /**
   * `false` for scenarios that restart Mosquitto: 2.0.11 does not restore shared subscriptions from its
   * persistence, so messages published before the member resubscribes are dropped by the broker (seen here;
   * docs/operations.md). Those scenarios test the bridge, so they run ONE consumer on the plain persistent
   * subscription the broker does restore (two plain subscribers would each receive every message).
   */
  share?: boolean;
  /** More `seamline consumer` flags, e.g. `--repair-grace 1`. */
  consumerArgs?: string[];
  /** Client id prefix (default chaos-downstream). */
  clientId?: string;
  /** Give each consumer a /metrics port (for `metric`). */
  metrics?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `committed` of a consumer's "consumer stopped" log line (JSON), or -1 when it did not say. */
export function committedOf(log: string): number {
  const line = log.split('\n').find((l) => l.includes('"consumer stopped"'));
  return line ? Number((JSON.parse(line) as { committed?: number }).committed ?? -1) : -1;
}

async function stopConsumer(c: ConsumerProcess): Promise<number> {
  c.child.kill('SIGTERM');
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 30_000);
  await c.exited;
  clearTimeout(timer);
  return committedOf(c.log());
}

/** A `seamline_consumer_*` metric of the consumer whose /metrics is on `port`, summed over its labels; -1 if it did not answer. */
async function metricOf(port: number, name: string): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return -1;
    const lines = (await res.text()).split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  } catch {
    return -1;
  }
}

async function healthOf(port: number): Promise<{ status: string; pending: number } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    return (await res.json()) as { status: string; pending: number };
  } catch {
    return undefined;
  }
}

export async function startDownstream(options: DownstreamOptions = {}): Promise<Downstream> {
  const share = options.share ?? true;
  const dir = scratchDir('seamline-chaos-');
  const [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  const consumers: ConsumerProcess[] = [];
  const argsOf: string[][] = [];
  const metricsPorts: number[] = [];
  const count = async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      return Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n);
    } finally {
      await client.end();
    }
  };
  /** Per consumer: what its earlier lives committed, as their /metrics said last before a SIGKILL. */
  const earlier: number[] = [0, 0];
  const metric = (name: string) => Promise.all(metricsPorts.map((port) => metricOf(port, name)));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of consumers) c.child.kill('SIGKILL');
    await Promise.all(consumers.map((c) => c.exited));
    await Promise.all([broker.close(), postgres.stop()]);
  };
  try {
    // One after the other: the first creates the schema.
    for (let i = 1; i <= (share ? 2 : 1); i++) {
      const id = `${options.clientId ?? 'chaos-downstream'}-${i}`;
      const args = ['--url', broker.url, '--client-id', id, '--store', postgres.url, ...(share ? [] : ['--no-share'])];
      if (options.metrics) {
        metricsPorts.push(await freePort());
        args.push('--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPorts[i - 1]));
      }
      argsOf.push([...args, ...(options.consumerArgs ?? [])]);
      consumers.push(await spawnConsumerProcess(argsOf[i - 1]));
    }
  } catch (e) {
    await close();
    throw e;
  }
  return {
    dir,
    broker,
    postgres,
    consumers,
    storedEvents: count,
    counts: () => postgresCounts(postgres.url),
    async settle(produced, timeoutMs = 60_000, deadLetters = 0, accepted) {
      const until = Date.now() + timeoutMs;
      const done = async () => {
        if ((await count().catch(() => 0)) < produced) return false;
        if (accepted && (await postgresMissing(postgres.url, accepted).catch(() => 1)) > 0) return false;
        return deadLetters === 0 || ((await postgresCounts(postgres.url).catch(() => undefined))?.deadLetters ?? 0) >= deadLetters;
      };
      let settled = false;
      while (!(settled = await done()) && Date.now() < until) await sleep(250);
      const perConsumer = (await Promise.all(consumers.map(stopConsumer))).map((n, i) => n + (earlier[i] ?? 0));
      return { ...(await postgresCounts(postgres.url)), settled, perConsumer };
    },
    async restart(i, between) {
      // A SIGKILLed consumer says nothing as it dies: what its /metrics said last counts towards its tally.
      if (options.metrics) earlier[i] += Math.max(0, (await metric('seamline_consumer_committed_events_total'))[i]);
      consumers[i].child.kill('SIGKILL');
      await consumers[i].exited;
      await between?.();
      consumers[i] = await spawnConsumerProcess(argsOf[i]);
    },
    metric,
    health: () => Promise.all(metricsPorts.map(healthOf)),
    rssMb: () => consumers.map((c) => Math.round(rssMb(c.child.pid ?? -1) ?? -1)),
    missing: (ids) => postgresMissing(postgres.url, ids),
    async close() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { rmSync } from 'node:fs';
import pg from 'pg';
import { startMosquitto, type RunningMosquitto } from '../../services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../services/postgres.ts';
import { spawnConsumerProcess, type ConsumerProcess } from './consumer-process.ts';
import { postgresCounts, postgresMissing, type StoredCounts } from './stored-counts.ts';
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
  /**
   * Waits until PostgreSQL holds `produced` events (or `timeoutMs`), stops the consumers (SIGTERM: they commit
   * what they hold), counts the database. `perConsumer`: what each said it committed as it stopped.
   */
  settle(produced: number, timeoutMs?: number): Promise<StoredCounts & { settled: boolean; perConsumer: number[] }>;
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
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `committed` of a consumer's "consumer stopped" log line (JSON), or -1 when it did not say. */
function committedOf(log: string): number {
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

export async function startDownstream(options: DownstreamOptions = {}): Promise<Downstream> {
  const share = options.share ?? true;
  const dir = scratchDir('seamline-chaos-');
  const [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  const consumers: ConsumerProcess[] = [];
  const count = async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      return Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n);
    } finally {
      await client.end();
    }
  };
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
      consumers.push(await spawnConsumerProcess([...args, ...(options.consumerArgs ?? [])]));
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
    async settle(produced, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      let settled = false;
      while (!(settled = (await count().catch(() => 0)) >= produced) && Date.now() < until) await sleep(250);
      const perConsumer = await Promise.all(consumers.map(stopConsumer));
      return { ...(await postgresCounts(postgres.url)), settled, perConsumer };
    },
    missing: (ids) => postgresMissing(postgres.url, ids),
    async close() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

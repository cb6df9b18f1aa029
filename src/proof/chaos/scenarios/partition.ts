import { rmSync } from 'node:fs';
import { startConsumer, type RunningConsumer } from '../../../consumer/consumer.ts';
import { PostgresStore } from '../../../store/postgres/store.ts';
import { startMosquitto } from '../../services/mosquitto.ts';
import { startPostgres } from '../../services/postgres.ts';
import { BridgeFeeder } from '../harness/bridge-feeder.ts';
import { postgresRepairCounts } from '../harness/repair-counts.ts';
import { verdict, type ChaosResult, type ChaosScenario } from '../harness/scenario.ts';
import { postgresCounts } from '../harness/stored-counts.ts';
import { TcpProxy, type CutMode } from '../harness/tcp-proxy.ts';
import { waitUntil } from '../harness/wait-until.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export interface PartitionOptions {
  /** How long the edge cannot reach the broker, seconds (the CLI's default: 120, as the issue asks). */
  partitionSeconds: number;
  /** Events per second over all cameras, before, during and after the partition. */
  rate: number;
  cameras: number;
  /** Load before the cut and after the heal, seconds. */
  beforeSeconds?: number;
  afterSeconds?: number;
  /** The bridges' MQTT keepalive, seconds: what has to notice a silent peer. */
  keepaliveSeconds?: number;
  mode?: CutMode;
  /** How long the outbox and the store get to catch up after the load, ms. */
  settleMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the partition itself did, measured while it lasted. */
interface CutFigures {
  /** Bytes the proxy forwarded between cut and heal: 0 means the partition held. */
  bytesDuringCut: number;
  depthAtCut: number;
  maxDepth: number;
  /** From the cut until every bridge said it had lost the broker, ms (-1: not all of them did). */
  noticedMs: number;
}

async function partitionFor(proxy: TcpProxy, feeder: BridgeFeeder, seconds: number): Promise<CutFigures> {
  const depth = () => feeder.bridges.reduce((n, b) => n + b.stats().outbox_depth, 0);
  const depthAtCut = depth();
  proxy.cut();
  const cutAt = Date.now();
  const forwardedAtCut = proxy.forwarded;
  let maxDepth = depthAtCut;
  let noticedMs = -1;
  while (Date.now() - cutAt < seconds * 1000) {
    maxDepth = Math.max(maxDepth, depth());
    if (noticedMs < 0 && feeder.bridges.every((b) => !b.stats().connected)) noticedMs = Date.now() - cutAt;
    await sleep(50);
  }
  const bytesDuringCut = proxy.forwarded - forwardedAtCut;
  proxy.heal();
  return { bytesDuringCut, depthAtCut, maxDepth, noticedMs };
}

/**
 * The network between the camera hosts and the broker goes away while the cameras go on producing: the
 * bridges reach Mosquitto only through a TCP proxy on loopback (tcp-proxy.ts), which is cut for
 * `partitionSeconds` and healed. By default the cut is silent (a blackhole: nothing forwarded, nothing
 * closed), so only the bridges' keepalive can tell. Every event a bridge answered for waits in its outbox
 * and must reach PostgreSQL through two consumers on the shared subscription, once, and the outboxes drain.
 */
export function partition(o: PartitionOptions): ChaosScenario {
  const before = o.beforeSeconds ?? 3;
  const after = o.afterSeconds ?? 3;
  const mode = o.mode ?? 'blackhole';
  return {
    name: 'partition',
    description: `${o.rate} events/s from ${o.cameras} bridges that reach Mosquitto through a TCP proxy; the proxy is cut (${mode}) for ${o.partitionSeconds} s under load, then healed; two consumers on the shared subscription into PostgreSQL`,
    async run(progress) {
      const dir = scratchDir('seamline-partition-');
      // Ctrl-C exits the process (exitOnSignals): the outboxes go with it.
      const removeDir = () => rmSync(dir, { recursive: true, force: true });
      process.once('exit', removeDir);
      const [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
      const proxy = new TcpProxy({ host: '127.0.0.1', port: broker.port }, mode);
      const stores = [new PostgresStore({ url: postgres.url }), new PostgresStore({ url: postgres.url })];
      const consumers: RunningConsumer[] = [];
      let feeder: BridgeFeeder | undefined;
      try {
        await proxy.listen();
        for (const [i, store] of stores.entries()) {
          await store.open();
          consumers.push(await startConsumer({ url: broker.url, clientId: `chaos-partition-${i + 1}`, store }));
        }
        feeder = new BridgeFeeder({
          brokerUrl: proxy.url,
          dir,
          cameras: o.cameras,
          site: 'partition',
          rate: o.rate,
          events: 1,
          bridge: { keepaliveSeconds: o.keepaliveSeconds ?? 2 },
        });
        let healedAt = 0;
        await feeder.start(() => healedAt === 0 || Date.now() < healedAt + after * 1000);
        await sleep(before * 1000);
        progress(`cutting the edge off the broker (${mode}) after ${feeder.accepted.size} answers, for ${o.partitionSeconds} s`);
        const cut = await partitionFor(proxy, feeder, o.partitionSeconds);
        healedAt = Date.now();
        progress(`healed: outbox depth went from ${cut.depthAtCut} to ${cut.maxDepth}; ${cut.bytesDuringCut} bytes crossed during the cut`);
        return await settle(o, { feeder, consumers, proxy, postgresUrl: postgres.url, cut, healedAt }, progress);
      } finally {
        await feeder?.close();
        for (const c of consumers) await c.stop().catch(() => {});
        for (const s of stores) await s.close().catch(() => {});
        await proxy.close();
        await Promise.all([broker.close(), postgres.stop()]);
        process.removeListener('exit', removeDir);
        removeDir();
      }
    },
  };
}

interface Running {
  feeder: BridgeFeeder;
  consumers: RunningConsumer[];
  proxy: TcpProxy;
  postgresUrl: string;
  cut: CutFigures;
  healedAt: number;
}

/** After the heal: the load ends, the outboxes drain, the consumers catch up; then the store is counted. */
async function settle(o: PartitionOptions, r: Running, progress: (line: string) => void): Promise<ChaosResult> {
  const { feeder, consumers, proxy, cut } = r;
  await feeder.finished();
  const depth = () => feeder.bridges.reduce((n, b) => n + b.stats().outbox_depth, 0);
  const drained = await waitUntil(() => depth() === 0, o.settleMs ?? 60_000);
  const drainMs = Date.now() - r.healedAt;
  const answered = feeder.accepted.size;
  const committed = () => consumers.reduce((n, c) => n + c.ingestor.stats.committedEvents, 0);
  await waitUntil(() => committed() >= answered && consumers.every((c) => c.ingestor.stats.pending === 0), o.settleMs ?? 60_000);
  progress(
    `bridges answered ${answered} (${feeder.refused} refused); outbox ${drained ? 'drained' : 'NOT drained'} ${drainMs} ms after the heal`,
  );
  const left = depth();
  const reconnects = feeder.bridges.map((b) => b.stats().reconnects);
  const perConsumer = consumers.map((c) => c.ingestor.stats.committedEvents);
  for (const c of consumers) await c.stop();
  const counts = await postgresCounts(r.postgresUrl);
  const repair = await postgresRepairCounts(r.postgresUrl, feeder.accepted);
  const base = verdict('partition', answered, counts, counts.deadLetters, { lost: repair.missing });
  const live = cut.bytesDuringCut === 0 && cut.maxDepth > cut.depthAtCut && reconnects.every((n) => n >= 1);
  return {
    ...base,
    partition_s: o.partitionSeconds,
    mode: proxy.isCut ? 'still cut' : String(o.mode ?? 'blackhole'),
    refused: feeder.refused,
    bytes_during_cut: cut.bytesDuringCut,
    outbox_depth_at_cut: cut.depthAtCut,
    outbox_depth_max: cut.maxDepth,
    outbox_left: left,
    drain_ms: drainMs,
    noticed_ms: cut.noticedMs,
    reconnects: reconnects.join(','),
    connections_while_cut: proxy.counts.connectionsWhileCut,
    per_consumer: perConsumer.join(','),
    ok: base.ok && live && left === 0 && feeder.refused === 0,
  };
}

/** `seamline chaos partition`: two minutes of partition by default (--partition-seconds), 1,000 events/s from two bridges. */
export const PARTITION_CLI: PartitionOptions = { partitionSeconds: 120, rate: 1_000, cameras: 2 };
export const partitionScenario = partition(PARTITION_CLI);

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { DETECTION_FILTER } from '../../contract/index.ts';
import { startConsumer, type RunningConsumer } from '../../consumer/consumer.ts';
import type { CommitReport, Ingestor } from '../../consumer/ingest/ingest.ts';
import { DuckDbStore } from '../../store/duckdb/store.ts';
import { startAvailableBroker, type AvailableBroker } from '../services/available-broker.ts';
import { percentile, round } from './percentile.ts';
import { LagHistogram } from './lag-histogram.ts';
import { rssTrend } from './rss-trend.ts';
import { publishInWorker } from './spawn-worker.ts';

export interface ConsumerBenchOptions {
  /** Events in each throughput phase. */
  events: number;
  /** Ceiling-then-consumer rounds (median reported). */
  rounds: number;
  /** Paced rate for the lag phase, events/s. */
  lagRate: number;
  lagSeconds: number;
  /** Progress lines go here (stderr), results are returned. */
  progress: (line: string) => void;
}

export interface ConsumerBenchResult {
  broker: string;
  events: number;
  events_per_s: number;
  /** Medians over the rounds. */
  rounds: number;
  ceiling_per_s: number;
  /** Median of the rounds' ratios, each of a consumer run to the ceiling run just before it. */
  ratio: number;
  ratio_by_round: number[];
  /**
   * This process's CPU (all its threads: the consumer, DuckDB's, V8's) per event committed in a round,
   * median over the rounds: the consumer's cost apart from how fast this minute's ceiling runs.
   */
  cpu_us_per_event: number;
  lag_rate: number;
  lag_p50_ms: number | null;
  lag_p99_ms: number | null;
  /** RSS at the end of the paced phase. */
  rss_mb: number;
  rss_start_mb: number;
  /** RSS halfway through the paced phase: with rss_mb, whether memory grows with run time. */
  rss_mid_mb: number;
  /** Highest RSS seen during the paced phase. */
  rss_peak_mb: number;
  /** Median RSS of each minute of the paced phase: flat when memory does not grow with run time. */
  rss_by_minute_mb: number[];
  /** Slope of those medians after the first minute, MB per minute (null for a phase under 3 minutes). */
  rss_slope_mb_per_min: number | null;
  stored: number;
}

const WINDOW = 2000;
/** Each publisher run starts its cameras' seq here times the run's number, so no two runs share one. */
const SEQ_BLOCK = 10_000_000;
const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 1048576);

/** QoS 1 to an MQTT.js subscriber that does nothing: what the broker and publisher allow on this machine. */
async function ceiling(broker: AvailableBroker, events: number, run: number): Promise<number> {
  const sub = await mqtt.connectAsync(broker.url, { protocolVersion: broker.protocolVersion, clientId: `bench-null-${run}`, clean: true });
  await sub.subscribeAsync(DETECTION_FILTER, { qos: 1 });
  let n = 0;
  let first = 0;
  const done = new Promise<number>((resolve) =>
    sub.on('message', () => {
      if (n++ === 0) first = Date.now();
      if (n === events) resolve(Date.now() - first);
    }),
  );
  await publishInWorker({
    url: broker.url,
    count: events,
    rate: 0,
    cameras: 6,
    protocolVersion: broker.protocolVersion,
    window: WINDOW,
    clientId: `bench-pub-null-${run}`,
  });
  const ms = await done;
  await sub.endAsync();
  return (events / Math.max(1, ms)) * 1000;
}

/** Resolves with the time at which `ingestor` has committed at least `n` events. */
function committedBy(ingestor: Ingestor, n: number): Promise<number> {
  return new Promise<number>((resolve) => {
    const check = () => {
      if (ingestor.stats.committedEvents >= n) {
        ingestor.off('commit', check);
        resolve(Date.now());
      }
    };
    ingestor.on('commit', check);
    check();
  });
}

interface Rounds {
  /** The last round's consumer, still running: the paced phase uses it. */
  consumer: RunningConsumer;
  ceilings: number[];
  rates: number[];
  cpuPerEvent: number[];
}

/** The throughput rounds: each a ceiling run, then at once a consumer fed as fast as the publisher can. */
async function throughputRounds(broker: AvailableBroker, store: DuckDbStore, options: ConsumerBenchOptions): Promise<Rounds> {
  const ceilings: number[] = [];
  const rates: number[] = [];
  const cpuPerEvent: number[] = [];
  let consumer: RunningConsumer | undefined;
  for (let n = 1; n <= options.rounds; n++) {
    ceilings.push(await ceiling(broker, options.events, n));
    // A session that ends with the round, so the broker queues nothing for it during the next ceiling.
    consumer = await startConsumer({
      url: broker.url,
      protocol: broker.protocolVersion,
      clientId: `bench-consumer-${n}`,
      store,
      sessionExpiry: 0,
    });
    let first = 0;
    const cpuStart = process.cpuUsage();
    consumer.session.once('message', () => (first = Date.now()));
    const publishing = publishInWorker({
      url: broker.url,
      count: options.events,
      rate: 0,
      cameras: 6,
      protocolVersion: broker.protocolVersion,
      window: WINDOW,
      clientId: `bench-pub-${n}`,
      seqStart: n * SEQ_BLOCK,
    });
    const doneAt = await committedBy(consumer.ingestor, options.events);
    const cpu = process.cpuUsage(cpuStart);
    cpuPerEvent.push((cpu.user + cpu.system) / options.events);
    await publishing;
    rates.push((options.events / Math.max(1, doneAt - first)) * 1000);
    options.progress(
      `round ${n}: ceiling ${Math.round(ceilings[n - 1])} messages/s, consumer ${Math.round(rates[n - 1])} events/s ` +
        `committed and acknowledged (ratio ${(rates[n - 1] / ceilings[n - 1]).toFixed(2)}), ${cpuPerEvent[n - 1].toFixed(1)} us of CPU an event`,
    );
    if (n < options.rounds) await consumer.stop();
  }
  return { consumer: consumer!, ceilings, rates, cpuPerEvent };
}

interface LagPhase {
  lags: LagHistogram;
  rss: number;
  rssMid: number;
  rssPeak: number;
  trend: ReturnType<typeof rssTrend>;
}

/** The paced phase: end-to-end lag of every committed event, and RSS sampled each second. */
async function lagPhase(broker: AvailableBroker, ingestor: Ingestor, options: ConsumerBenchOptions): Promise<LagPhase> {
  const lags = new LagHistogram();
  const onReport = (r: CommitReport) => {
    for (const c of r.capturedMs) lags.add(r.committedAtMs - c);
  };
  ingestor.on('commit-report', onReport);
  const lagEvents = options.lagRate * options.lagSeconds;
  options.progress(`lag phase: ${options.lagRate} events/s for ${options.lagSeconds} s`);
  const lagStarted = Date.now();
  let rssMid = 0;
  let rssPeak = 0;
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    const now = rssMb();
    rssSamples.push(now);
    rssPeak = Math.max(rssPeak, now);
    const elapsed = (Date.now() - lagStarted) / 1000;
    if (rssMid === 0 && elapsed >= options.lagSeconds / 2) rssMid = now;
    if (options.lagSeconds >= 60 && Math.round(elapsed) % 60 === 0)
      options.progress(`  ${Math.round(elapsed)} s: rss ${now} MB (V8 heap ${heapMb()} MB), ${ingestor.stats.committedEvents} committed`);
  }, 1000);
  await publishInWorker({
    url: broker.url,
    count: lagEvents,
    rate: options.lagRate,
    cameras: 6,
    protocolVersion: broker.protocolVersion,
    window: WINDOW,
    clientId: 'bench-pub-lag',
    seqStart: (options.rounds + 1) * SEQ_BLOCK,
  });
  await committedBy(ingestor, options.events + lagEvents);
  clearInterval(sampler);
  ingestor.off('commit-report', onReport);
  return { lags, rss: rssMb(), rssMid, rssPeak, trend: rssTrend(rssSamples) };
}

/**
 * `seamline bench consumer`: rounds of the null-subscriber ceiling followed at once by one consumer
 * (DuckDB, PUBACK after commit) fed as fast as the publisher can, then a paced phase for end-to-end lag
 * and memory. Each round's ratio compares two runs a few seconds apart: on this shared machine the
 * ceiling alone moved by up to 14% between runs a minute apart, more than the margin it is measured
 * against, so the result is the median of the rounds' ratios.
 */
export async function runConsumerBench(options: ConsumerBenchOptions): Promise<ConsumerBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-bench-'));
  const broker = await startAvailableBroker({ persistence: false });
  const store = new DuckDbStore({ path: join(dir, 'bench.duckdb') });
  const rssStart = rssMb();
  try {
    options.progress(`broker: ${broker.name} at ${broker.url}`);
    await store.open();
    const { consumer, ceilings, rates, cpuPerEvent } = await throughputRounds(broker, store, options);
    const ratios = rates.map((r, i) => r / ceilings[i]);
    const { lags, rss, rssMid, rssPeak, trend } = await lagPhase(broker, consumer.ingestor, options);
    await consumer.stop();
    const stored = (await store.totals()).events;
    return {
      broker: broker.name,
      events: options.events,
      rounds: options.rounds,
      events_per_s: Math.round(percentile(rates, 50)!),
      ceiling_per_s: Math.round(percentile(ceilings, 50)!),
      ratio: round(percentile(ratios, 50)!, 2)!,
      ratio_by_round: ratios.map((r) => round(r, 2)!),
      cpu_us_per_event: round(percentile(cpuPerEvent, 50)!, 1)!,
      lag_rate: options.lagRate,
      lag_p50_ms: lags.percentile(50),
      lag_p99_ms: lags.percentile(99),
      rss_mb: rss,
      rss_start_mb: rssStart,
      rss_mid_mb: rssMid || rss,
      rss_peak_mb: Math.max(rssPeak, rss),
      rss_by_minute_mb: trend.byMinute,
      rss_slope_mb_per_min: trend.slopeMbPerMin,
      stored,
    };
  } finally {
    await store.close().catch(() => {});
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

import mqtt from 'mqtt';
import { DETECTION_FILTER, sha256Hex } from '../../../contract/index.ts';
import { startConsumer, type RunningConsumer } from '../../../consumer/consumer.ts';
import type { CommitReport, Ingestor } from '../../../consumer/ingest/ingest.ts';
import type { DetectionStore } from '../../../store/store.ts';
import { MAX_EVIDENCE_LIST, type EvidenceStore } from '../../../store/evidence/evidence-store.ts';
import { duckdbMissing } from '../../chaos/harness/stored-counts.ts';
import type { AvailableBroker } from '../../services/available-broker.ts';
import { waitUntil } from '../../chaos/harness/wait-until.ts';
import type { CpuProfiler } from './cpu-profile.ts';
import { LagSeries, type LagSecond } from './lag-series.ts';
import { LagHistogram } from '../lag-histogram.ts';
import { rssTrend } from '../rss-trend.ts';
import { publishInWorker } from '../spawn-worker.ts';

export const WINDOW = 2000;
/** Each publisher run starts its cameras' seq here times the run's number, so no two runs share one. */
export const SEQ_BLOCK = 10_000_000;

/** Images beside the events: published at `rate` a second by the event publisher's process, kept in `store`. */
export interface BenchEvidence {
  rate: number;
  /** The JPEG every image carries (evidence-image.ts), as a file the publisher process reads. */
  jpegPath: string;
  store: EvidenceStore;
}

export interface ConsumerRun {
  /** Still running: the paced phase may go on with it. */
  consumer: RunningConsumer;
  /** Events committed and acknowledged a second, first delivery to the last commit. */
  rate: number;
  /** This process's CPU per event committed, microseconds. */
  cpuPerEvent: number;
  /** Images the publisher had acknowledged, and images the consumer stored, during this run. */
  images: number;
  imagesStored: number;
}

/**
 * Events the consumer is done with: committed, found already stored (a store that keeps one event of two it
 * cannot tell apart counts the second a duplicate) or dead-lettered. The bench publishes each event once, so
 * anything but `committedEvents` here is a loss the result's `stored` shows.
 */
export const settledEvents = (ingestor: Ingestor): number =>
  ingestor.stats.committedEvents + ingestor.stats.duplicates + ingestor.stats.deadLettered;

/** Resolves with the time at which `ingestor` has settled (committed, skipped or dead-lettered) at least `n` events. */
export function committedBy(ingestor: Ingestor, n: number): Promise<number> {
  return new Promise<number>((resolve) => {
    const check = () => {
      if (settledEvents(ingestor) >= n) {
        ingestor.off('commit', check);
        resolve(Date.now());
      }
    };
    ingestor.on('commit', check);
    check();
  });
}

/**
 * Waits until the consumer's evidence session has stored `images` more than `before` (a redelivered copy counts
 * as a duplicate, not as stored, so only `stored` says every image is in), or until `timeoutMs`; what it stored.
 */
export async function imagesSettled(consumer: RunningConsumer, images: number, before: number, timeoutMs = 30_000): Promise<number> {
  const ingest = consumer.evidence?.ingest;
  if (!ingest) return 0;
  await waitUntil(() => ingest.stats.stored - before >= images && ingest.stats.pending === 0, timeoutMs);
  return ingest.stats.stored - before;
}

/**
 * One consumer (PUBACK after commit, into `store`; with `evidence`, its evidence session and store too) fed
 * `events` as fast as the publisher can, with images beside them when `evidence` is given. The session ends
 * with the consumer (expiry 0), so the broker queues nothing for it after the run. `profile`, when given,
 * samples this process from the first CPU reading to the last commit.
 */
export async function consumerRun(
  broker: AvailableBroker,
  store: DetectionStore,
  run: { name: string; events: number; seqStart: number; cameras: number; evidence?: BenchEvidence; profile?: CpuProfiler },
): Promise<ConsumerRun> {
  const consumer = await startConsumer({
    url: broker.url,
    protocol: broker.protocolVersion,
    clientId: `bench-consumer-${run.name}`,
    store,
    sessionExpiry: 0,
    evidence: run.evidence?.store,
  });
  const storedBefore = consumer.evidence?.ingest.stats.stored ?? 0;
  let first = 0;
  await run.profile?.start();
  const cpuStart = process.cpuUsage();
  consumer.session.once('message', () => (first = Date.now()));
  const publishing = publishInWorker({
    url: broker.url,
    count: run.events,
    rate: 0,
    cameras: run.cameras,
    protocolVersion: broker.protocolVersion,
    window: WINDOW,
    clientId: `bench-pub-${run.name}`,
    seqStart: run.seqStart,
    evidence: run.evidence && { rate: run.evidence.rate, jpegPath: run.evidence.jpegPath },
  });
  const doneAt = await committedBy(consumer.ingestor, run.events);
  const cpu = process.cpuUsage(cpuStart);
  await run.profile?.stop();
  const { images } = await publishing;
  const imagesStored = await imagesSettled(consumer, images, storedBefore);
  return {
    consumer,
    rate: (run.events / Math.max(1, doneAt - first)) * 1000,
    cpuPerEvent: (cpu.user + cpu.system) / run.events,
    images,
    imagesStored,
  };
}

/** QoS 1 to an MQTT.js subscriber that does nothing: what the broker and publisher allow on this machine. */
export async function ceiling(broker: AvailableBroker, events: number, run: number, cameras = 6): Promise<number> {
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
    cameras,
    protocolVersion: broker.protocolVersion,
    window: WINDOW,
    clientId: `bench-pub-null-${run}`,
  });
  const ms = await done;
  await sub.endAsync();
  return (events / Math.max(1, ms)) * 1000;
}

/** Every stored image read back: how many name no event in the DuckDB file (closed by now), and how many fail their digest. */
export async function checkImages(store: EvidenceStore, duckdbPath: string): Promise<{ unlinked: number; badDigest: number }> {
  const entries = await store.list({ limit: MAX_EVIDENCE_LIST });
  let badDigest = 0;
  for (const { header } of entries) {
    const got = await store.get(header.event_id);
    if (!got || sha256Hex(got.image) !== header.image.sha256) badDigest++;
  }
  return {
    unlinked: await duckdbMissing(
      duckdbPath,
      entries.map((e) => e.header.event_id),
    ),
    badDigest,
  };
}

export const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 1048576);

export interface LagPhase {
  lags: LagHistogram;
  rss: number;
  rssMid: number;
  rssPeak: number;
  trend: ReturnType<typeof rssTrend>;
  /** Second by second: events committed, their lag, RSS. */
  series: LagSecond[];
  images: number;
  imagesStored: number;
}

export interface LagPhaseOptions {
  /** Events the consumer settled before this phase (its throughput run). */
  eventsBefore: number;
  lagRate: number;
  lagSeconds: number;
  /** Seq block after every throughput run's. */
  seqBlock: number;
  cameras: number;
  progress: (line: string) => void;
}

/** The paced phase: end-to-end lag of every committed event, and RSS sampled each second (images too, when on). */
export async function lagPhase(
  broker: AvailableBroker,
  consumer: RunningConsumer,
  options: LagPhaseOptions,
  evidence: BenchEvidence | undefined,
): Promise<LagPhase> {
  const ingestor = consumer.ingestor;
  const lags = new LagHistogram();
  const series = new LagSeries();
  const onReport = (r: CommitReport) => {
    for (const c of r.capturedMs) {
      lags.add(r.committedAtMs - c);
      series.add(r.committedAtMs - c);
    }
  };
  ingestor.on('commit-report', onReport);
  const lagEvents = options.lagRate * options.lagSeconds;
  options.progress(`lag phase: ${options.lagRate} events/s for ${options.lagSeconds} s${evidence ? `, ${evidence.rate} images/s` : ''}`);
  const lagStarted = Date.now();
  let rssMid = 0;
  let rssPeak = 0;
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    const now = rssMb();
    rssSamples.push(now);
    series.tick(now);
    rssPeak = Math.max(rssPeak, now);
    const elapsed = (Date.now() - lagStarted) / 1000;
    if (rssMid === 0 && elapsed >= options.lagSeconds / 2) rssMid = now;
    if (options.lagSeconds >= 60 && Math.round(elapsed) % 60 === 0)
      options.progress(`  ${Math.round(elapsed)} s: rss ${now} MB (V8 heap ${heapMb()} MB), ${ingestor.stats.committedEvents} committed`);
  }, 1000);
  const storedBefore = consumer.evidence?.ingest.stats.stored ?? 0;
  const { images } = await publishInWorker({
    url: broker.url,
    count: lagEvents,
    rate: options.lagRate,
    cameras: options.cameras,
    protocolVersion: broker.protocolVersion,
    window: WINDOW,
    clientId: 'bench-pub-lag',
    seqStart: options.seqBlock * SEQ_BLOCK,
    evidence: evidence && { rate: evidence.rate, jpegPath: evidence.jpegPath },
  });
  await committedBy(ingestor, options.eventsBefore + lagEvents);
  clearInterval(sampler);
  ingestor.off('commit-report', onReport);
  const imagesStored = await imagesSettled(consumer, images, storedBefore);
  series.tick(rssMb());
  return { lags, rss: rssMb(), rssMid, rssPeak, trend: rssTrend(rssSamples), series: series.seconds, images, imagesStored };
}

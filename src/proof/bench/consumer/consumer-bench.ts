import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeamError } from '../../../contract/index.ts';
import { evidenceDirFor } from '../../../store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../../store/evidence/directory-store.ts';
import { startAvailableBroker } from '../../services/available-broker.ts';
import { percentile, round } from '../percentile.ts';
import type { LagSecond } from './lag-series.ts';
import { checkImages, lagPhase, rssMb, type BenchEvidence, type LagPhase } from './consumer-run.ts';
import { throughputRounds, type Rounds } from './rounds.ts';
import { startBenchStore, type BenchStoreKind } from './bench-store.ts';
import { CpuProfiler } from './cpu-profile.ts';
import { summarizeProfile, type ProfileSummary } from './profile-summary.ts';
import { makeBenchJpeg } from '../evidence-image.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export interface ConsumerBenchOptions {
  /** Events in each throughput phase. */
  events: number;
  /** Ceiling-then-consumer rounds (median reported). */
  rounds: number;
  /** Paced rate for the lag phase, events/s. */
  lagRate: number;
  lagSeconds: number;
  /**
   * Images a second beside the events (0: none, the default). Each round then runs the consumer twice after
   * its ceiling, without images and with them (its evidence store on), in alternating order; `ratio` is the
   * run with images, `without_evidence` its pair. The paced phase carries images too.
   * DuckDB only.
   */
  evidenceRate?: number;
  /** The store the consumer writes into (default duckdb); a server store is started by the bench on loopback. */
  store?: BenchStoreKind;
  /** CPU-profile one more consumer run after the rounds (default true); off, `profile` is absent and that run is not made. */
  profile?: boolean;
  /** Progress lines go here (stderr), results are returned. */
  progress: (line: string) => void;
}

export interface ConsumerBenchResult {
  broker: string;
  /** The store the consumer wrote into, opened through the store registry as `seamline consumer --store` opens it. */
  store: BenchStoreKind;
  /** Cameras the events are spread over (bench-store.ts says why VictoriaMetrics gets more). */
  cameras: number;
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
  /** Node's flags for this run: `seamline` passes NODE_FLAGS (plumbing/modules.ts); a bare `node bin/seamline.js` does not. */
  node_flags: string;
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
  /** The paced phase second by second (events committed, lag p50/p99, RSS): the charts of bench all's report. */
  lag_series: LagSecond[];
  /** Events published to the consumer runs and the paced phase (the ceiling runs' go to a null subscriber). */
  published: number;
  /** Events in the store after the run, counted by querying it (its `totals()`): must equal `published`. */
  stored: number;
  /**
   * Events the consumers found already stored, and dead-lettered: 0 and 0, since each event is published once
   * (a store that cannot tell two events apart would keep one and count the other here).
   */
  duplicates: number;
  dead_lettered: number;
  /** Where the bench process's main thread spent the profiled run's time (a V8 CPU profile, self time; consumer/rounds.ts). */
  profile?: ProfileSummary;
  /** With --evidence-rate: the same rounds' consumer runs without images, and what the images came to. */
  evidence_rate?: number;
  without_evidence?: { ratio: number; ratio_by_round: number[]; events_per_s: number; cpu_us_per_event: number };
  image_bytes?: number;
  images_published?: number;
  images_stored?: number;
  /** Stored images whose event_id is not an event in the store: must be 0. */
  images_unlinked?: number;
  /** Stored images whose bytes, read back, do not match their header's SHA-256: must be 0. */
  images_bad_digest?: number;
}

const median = (values: number[], digits: number) => round(percentile(values, 50)!, digits)!;

/** The result's evidence fields: the pair without images, and what the images came to. */
function evidenceFields(
  rounds: Rounds,
  lag: LagPhase,
  evidence: BenchEvidence,
  imageBytes: number,
  check: { unlinked: number; badDigest: number },
): Partial<ConsumerBenchResult> {
  const plain = rounds.plain!;
  const ratios = plain.rates.map((r, i) => r / rounds.ceilings[i]);
  return {
    evidence_rate: evidence.rate,
    without_evidence: {
      ratio: median(ratios, 2),
      ratio_by_round: ratios.map((r) => round(r, 2)!),
      events_per_s: Math.round(percentile(plain.rates, 50)!),
      cpu_us_per_event: median(plain.cpuPerEvent, 1),
    },
    image_bytes: imageBytes,
    images_published: rounds.images + lag.images,
    images_stored: rounds.imagesStored + lag.imagesStored,
    images_unlinked: check.unlinked,
    images_bad_digest: check.badDigest,
  };
}

/**
 * `seamline bench consumer`: rounds of the null-subscriber ceiling followed at once by one consumer
 * (PUBACK after commit, into DuckDB or a server store the bench starts on loopback) fed as fast as the
 * publisher can, then a paced phase for end-to-end lag and memory. Each round's ratio compares two runs a few
 * seconds apart: on this shared machine the ceiling alone moved by up to 14% between runs a minute apart, more
 * than the margin it is measured against, so the result is the median of the rounds' ratios. A warm-up comes
 * first and a CPU-profiled run (`profile`) after the rounds, neither counted (consumer/rounds.ts). With `evidenceRate` (DuckDB only), images flow beside the events into a
 * directory evidence store, paired in each round with a run without them.
 */
export async function runConsumerBench(options: ConsumerBenchOptions): Promise<ConsumerBenchResult> {
  const kind = options.store ?? 'duckdb';
  refuseEvidenceElsewhere(kind, options.evidenceRate);
  const dir = scratchDir('seamline-bench-');
  const broker = await startAvailableBroker({ persistence: false });
  const profile = options.profile === false ? undefined : new CpuProfiler();
  const bench = await startBenchStore(kind, dir).catch(async (err) => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const { store } = bench;
  const path = bench.duckdbPath;
  const images = options.evidenceRate && path ? new DirectoryEvidenceStore({ dir: evidenceDirFor(path) }) : undefined;
  const rssStart = rssMb();
  try {
    options.progress(`broker: ${broker.name} at ${broker.url}; store: ${kind} at ${bench.url}`);
    await store.open();
    let evidence: BenchEvidence | undefined;
    let imageBytes = 0;
    if (images) {
      await images.open();
      const jpeg = await makeBenchJpeg();
      imageBytes = jpeg.byteLength;
      writeFileSync(join(dir, 'bench.jpg'), jpeg);
      evidence = { rate: options.evidenceRate!, jpegPath: join(dir, 'bench.jpg'), store: images };
      options.progress(`images: ${options.evidenceRate} a second of ${imageBytes} bytes beside the events, paired with runs without`);
    }
    const rounds = await throughputRounds(broker, bench, options, evidence, profile);
    await profile?.close();
    const { rates, cpuPerEvent } = rounds.main;
    const ratios = rates.map((r, i) => r / rounds.ceilings[i]);
    const lag = await lagPhase(
      broker,
      rounds.consumer,
      { ...options, eventsBefore: options.events, seqBlock: 2 * options.rounds + 1, cameras: bench.cameras },
      evidence,
    );
    await rounds.consumer.stop();
    const stored = (await store.totals()).events;
    await store.close();
    options.progress(`stored: ${stored} events, counted by querying ${kind} after the run`);
    const extra = evidence ? evidenceFields(rounds, lag, evidence, imageBytes, await checkImages(images!, path!)) : {};
    return {
      broker: broker.name,
      store: kind,
      cameras: bench.cameras,
      events: options.events,
      rounds: options.rounds,
      events_per_s: Math.round(percentile(rates, 50)!),
      ceiling_per_s: Math.round(percentile(rounds.ceilings, 50)!),
      ratio: median(ratios, 2),
      ratio_by_round: ratios.map((r) => round(r, 2)!),
      cpu_us_per_event: median(cpuPerEvent, 1),
      node_flags: process.execArgv.filter((f) => f.startsWith('--max-')).join(' '),
      ...lagFields(lag, options.lagRate, rssStart),
      // The rounds, the warm-up and the profiled run (consumer/rounds.ts), and the paced phase: all stored, all counted.
      published: options.events * options.rounds * (evidence ? 2 : 1) + rounds.extraEvents + options.lagRate * options.lagSeconds,
      stored,
      duplicates: rounds.ingests.reduce((n, s) => n + s.duplicates, 0),
      dead_lettered: rounds.ingests.reduce((n, s) => n + s.deadLettered, 0),
      ...(profile && { profile: summarizeProfile(profile.selfTimes(), profile.intervalUs) }),
      ...extra,
    };
  } finally {
    await profile?.close().catch(() => {});
    await store.close().catch(() => {});
    await images?.close().catch(() => {});
    await broker.close();
    await bench.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Images beside the events are checked against the DuckDB file: with another store, --evidence-rate is refused. */
function refuseEvidenceElsewhere(kind: BenchStoreKind, evidenceRate: number | undefined): void {
  if (!evidenceRate || kind === 'duckdb') return;
  const why = `--evidence-rate is measured into DuckDB only, not ${kind}: drop --evidence-rate or use --store duckdb`;
  throw new SeamError('SEAM_ERR_CONFIG', why, { field: 'evidenceRate' });
}

/** The paced phase's fields of the result. */
function lagFields(lag: LagPhase, lagRate: number, rssStart: number) {
  return {
    lag_rate: lagRate,
    lag_p50_ms: lag.lags.percentile(50),
    lag_p99_ms: lag.lags.percentile(99),
    rss_mb: lag.rss,
    rss_start_mb: rssStart,
    rss_mid_mb: lag.rssMid || lag.rss,
    rss_peak_mb: Math.max(lag.rssPeak, lag.rss),
    rss_by_minute_mb: lag.trend.byMinute,
    rss_slope_mb_per_min: lag.trend.slopeMbPerMin,
    lag_series: lag.series,
  };
}

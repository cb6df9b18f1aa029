import { Command } from 'commander';
import { exitOnSignals } from '../../plumbing/children.ts';
import { profileLines, type ProfileSummary } from '../../proof/bench/consumer/profile-summary.ts';
import { reportFormat } from '../../proof/bench/all/report-format.ts';
import { printResult } from '../../proof/bench/print-result.ts';
import type { StartBenchResult } from '../../proof/bench/start/start-bench.ts';
import type { BatchRow } from '../../proof/bench/inference/batch-bench.ts';
import { camerasLines, type CamerasResult } from '../../proof/bench/inference/cameras-bench.ts';
import { SeamError } from '../../contract/index.ts';
import { BENCH_DEFAULTS, BenchConfigSchema, PLANT_CAMERAS, type BenchConfig } from '../config/bench.ts';
import { configFromFlags } from '../config/config-file.ts';
import { choiceArgument, choiceOption, integerFlag } from '../config/flags.ts';

const TARGETS = ['edge', 'consumer', 'inference', 'dashboard', 'evidence', 'start', 'all'] as const;
type Target = Exclude<(typeof TARGETS)[number], 'all'>;
const d = BENCH_DEFAULTS;

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'Measure a box on this machine. Starts what it needs (Mosquitto when it is on PATH, else the embedded ' +
        'broker), prints a table; with --json the last line is one JSON object. `all` runs every bench in turn ' +
        '(docs/proof.md#benches-in-one-run).',
    )
    .addArgument(choiceArgument('target', 'what to measure', [...TARGETS]))
    .option('-c, --config <file>', 'JSON config file; flags override it')
    .option('--json', 'print one JSON object as the last line')
    .option(
      '--events <n>',
      `edge: events accepted plus drained (half each); consumer: events per throughput phase (default ${d.events})`,
      integerFlag,
    )
    .option('--rounds <n>', `consumer: ceiling-then-consumer rounds; the median ratio is reported (default ${d.rounds})`, integerFlag)
    .option('--lag-rate <n>', `consumer: paced events/s for the lag phase (default ${d.lagRate})`, integerFlag)
    .option('--lag-seconds <n>', `consumer: length of the lag phase, 600 for the 10-minute RSS soak (default ${d.lagSeconds})`, integerFlag)
    .option(
      '--evidence-rate <n>',
      `consumer: images/s (evidence.v1, ~96 KB JPEG) beside the events into an evidence store, each round paired with a run without (default ${d.evidenceRate}: none)`,
      integerFlag,
    )
    .addOption(
      choiceOption(
        '--store <kind>',
        `consumer: the store the consumer writes into, started by the bench on loopback for the server stores; --evidence-rate is DuckDB only (default ${d.store})`,
        BenchConfigSchema.properties.store.anyOf.map((s) => s.const),
      ),
    )
    .option('--no-profile', 'consumer: skip the CPU-profiled run after the rounds (sampled every 1 ms; never counted in the ratio)')
    .option('--model <file.onnx>', 'inference: also time this model (model run, fps, event loop)')
    .option('--seconds <n>', `inference: seconds of each end-to-end run and of each --cameras run (default ${d.seconds})`, integerFlag)
    .option('--threads <n>', `inference: onnxruntime threads (default ${d.threads})`, integerFlag)
    .option('--no-realistic', 'inference: skip the YOLOv8n-shaped random-weights graph')
    .option(
      '--batch <sizes>',
      'inference: batch sizes, e.g. 1,2,4,8: the bundled model ms per frame, N runs of one frame against one run of N frames (default: not run)',
      (v: string) => v.split(',').map((n) => integerFlag(n.trim())),
    )
    .option('--images <n>', `evidence: images written to each store (default ${d.images})`, integerFlag)
    .option('--days <n>', `evidence: days the images are spread over (default ${d.days})`, integerFlag)
    .option(
      '--cameras <n>',
      `dashboard, evidence: cameras of the simulated plant (default ${PLANT_CAMERAS}); inference: N synthetic cameras at 5 fps on one ` +
        'shared model, each with its own bridge, set against one camera alone (a process for each): per-camera fps and skipped, RSS, ' +
        'event loop (default 0: not run)',
      integerFlag,
    )
    .option('--rate <n>', `dashboard: events/s per camera into DuckDB; PostgreSQL gets a tenth (default ${d.rate})`, integerFlag)
    .option('--hours <n>', `dashboard: hours of plant time loaded, up to 24 (default ${d.hours})`, integerFlag)
    .option(
      '--runs <n>',
      'dashboard: timed runs of each panel per window; evidence: of each request (default 20); start: of each figure (default 5)',
      integerFlag,
    )
    .option('--pg-full', 'dashboard: load PostgreSQL at the full rate too')
    .addOption(
      choiceOption('--stores <list>', `dashboard, evidence: stores to load (default ${d.stores})`, [
        'duckdb,postgres',
        'duckdb',
        'postgres',
      ]),
    )
    .option('--quick', 'all: small counts for every bench (CI, about two minutes), every figure still measured')
    .option('--report <file>', 'all: write a report, .html or .md by its extension, with its charts as SVG files beside it')
    .action(async (target: Target | 'all', flags: Record<string, unknown> & { config?: string }) => {
      const config = configFromFlags<BenchConfig>(BenchConfigSchema, BENCH_DEFAULTS, flags, (c) => checkCameras(target, c));
      exitOnSignals();
      const progress = (line: string) => process.stderr.write(`  ${line}\n`);
      if (target === 'all') return benchAll(config, progress);
      await printOne(target, await measure(target, config, progress), config.json);
    });
}

/** One bench's table (with its profile, cameras and batch lines) and, with --json, its JSON line last. */
async function printOne(target: Target, result: Record<string, unknown>, json: boolean): Promise<void> {
  if (target === 'start') return printStart(result, json);
  // Only inference's `cameras` is the multi-camera run; elsewhere it is the simulated plant's camera count.
  const multiCamera = target === 'inference' && typeof result.cameras === 'object' && result.cameras !== null;
  const batch = target === 'inference' && Array.isArray(result.batch) ? (result.batch as BatchRow[]) : undefined;
  // The profile, the cameras and the batch sizes read as lines of their own under the table; the JSON line (last) carries them
  // whole, and the consumer's second-by-second series (bench all's charts) is in the JSON line only.
  const { profile, ...rest } = result;
  delete rest.lag_series;
  if (multiCamera) delete rest.cameras;
  if (batch) delete rest.batch;
  printResult(`bench ${target}`, rest, false);
  if (profile) process.stdout.write(`${profileLines(profile as ProfileSummary).join('\n')}\n`);
  if (multiCamera) process.stdout.write(`${camerasLines(result.cameras as CamerasResult).join('\n')}\n`);
  // batch-bench.ts loads onnxruntime: only here, where the inference bench already has.
  if (batch) process.stdout.write(`${(await import('../../proof/bench/inference/batch-bench.ts')).batchLines(batch).join('\n')}\n`);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The start figures as a table (nested: medians, ranges and ratios); the JSON line after it with --json. */
async function printStart(result: Record<string, unknown>, json: boolean): Promise<void> {
  const { startLines } = await import('../../proof/bench/start/start-lines.ts');
  process.stdout.write(`${startLines(result as unknown as StartBenchResult).join('\n')}\n`);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Every bench in turn (src/proof/bench/all): the table, the JSON line with --json, the report with --report; exit 1 if a bench failed. */
async function benchAll(config: BenchConfig, progress: (line: string) => void): Promise<void> {
  const { runAll, resultLines } = await import('../../proof/bench/all/run-all.ts');
  const { writeReport } = await import('../../proof/bench/all/report.ts');
  const r = await runAll({
    quick: config.quick,
    measure: (bench, overrides, p) => measure(bench, { ...config, ...overrides } as BenchConfig, p),
    progress,
  });
  process.stdout.write(`${resultLines(r).join('\n')}\n`);
  if (config.report) process.stdout.write(`report: ${writeReport(config.report, r).report}\n`);
  if (config.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  if (r.benches.some((b) => !b.ok)) process.exitCode = 1;
}

/** --cameras 0 means "not run" for inference only; the simulated plant of dashboard and evidence needs one. A report is .html or .md. */
function checkCameras(target: Target | 'all', config: BenchConfig): void {
  if (config.report) reportFormat(config.report);
  if (target !== 'inference' && target !== 'all' && config.cameras === 0)
    throw new SeamError('SEAM_ERR_CONFIG', `is not allowed for bench ${target}: use a whole number from 1 to 1000`, { field: 'cameras' });
}

/** Runs one bench target with the validated config. */
/** Each bench is loaded when it is the one run: their stores, brokers and models are not seamline bench --help's. */
async function measure(target: Target, config: BenchConfig, progress: (line: string) => void): Promise<Record<string, unknown>> {
  let result: Record<string, unknown>;
  switch (target) {
    case 'edge':
      result = {
        ...(await (
          await import('../../proof/bench/edge-bench.ts')
        ).runEdgeBench({
          acceptEvents: Math.floor(config.events / 2),
          drainEvents: Math.floor(config.events / 2),
          log: progress,
        })),
      };
      break;
    case 'consumer':
      result = {
        ...(await (
          await import('../../proof/bench/consumer/consumer-bench.ts')
        ).runConsumerBench({
          events: config.events,
          rounds: config.rounds,
          lagRate: config.lagRate,
          lagSeconds: config.lagSeconds,
          evidenceRate: config.evidenceRate,
          store: config.store,
          profile: config.profile,
          progress,
        })),
      };
      break;
    case 'inference': {
      const { runInferenceBench } = await import('../../proof/bench/inference-bench.ts');
      result = await runInferenceBench({
        model: config.model,
        seconds: config.seconds,
        threads: config.threads,
        realistic: config.realistic,
        cameras: config.cameras ?? 0,
        batch: config.batch,
        progress,
      });
      break;
    }
    case 'dashboard':
      result = {
        ...(await (
          await import('../../proof/bench/dashboard/dashboard-bench.ts')
        ).runDashboardBench({
          cameras: config.cameras ?? PLANT_CAMERAS,
          rate: config.rate,
          pgRate: config.pgFull ? config.rate : Math.max(1, config.rate / 10),
          hours: config.hours,
          runs: config.runs ?? 20,
          stores: config.stores.split(',') as ('duckdb' | 'postgres')[],
          progress,
        })),
      };
      break;
    case 'evidence':
      result = {
        ...(await (
          await import('../../proof/bench/evidence/evidence-api-bench.ts')
        ).runEvidenceBench({
          images: config.images,
          cameras: config.cameras ?? PLANT_CAMERAS,
          days: config.days,
          runs: config.runs ?? 20,
          stores: config.stores.split(',').map((s) => (s === 'duckdb' ? 'directory' : 'postgres')),
          progress,
        })),
      };
      break;
    case 'start':
      result = { ...(await (await import('../../proof/bench/start/start-bench.ts')).runStartBench({ runs: config.runs, progress })) };
      break;
  }
  return result;
}

import pg from 'pg';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';
import { verdict, type ChaosResult } from '../harness/scenario.ts';
import { postgresCounts } from '../harness/stored-counts.ts';
import { waitUntil } from '../harness/wait-until.ts';
import { attribute, type FaultOutcome } from './attribution.ts';
import type { Plant } from './faults.ts';
import { producedByCamera } from './hosts.ts';
import { MemorySampler, type MemoryFigures } from './memory.ts';
import { runFaults } from './run-faults.ts';
import { planFaults } from './schedule.ts';
import { startPlant, stopPlant, type PlantShape } from './start-plant.ts';
import { WebhookReceiver } from './webhook.ts';
import { rmSync } from 'node:fs';

export interface PlantOptions extends Partial<PlantShape> {
  /** Length of the run once the plant is up, minutes (fractions allowed). */
  minutes: number;
  seed: number;
}

/** Runs of this many minutes or more must also hold every process's memory slope within ±SLOPE_LIMIT MB/min. */
export const SLOPE_JUDGED_FROM_MIN = 10;
export const SLOPE_LIMIT = 0.5;

type Counts = Pick<
  ChaosResult,
  'scenario' | 'produced' | 'stored' | 'lost' | 'duplicates' | 'detections_mismatch' | 'dead_lettered' | 'seq_repeats' | 'ok'
>;

/** The counts every scenario reports (verdict()), and what the plant adds: faults, alerts, memory. */
export type PlantResult = Counts & {
  minutes: number;
  seed: number;
  cameras: number;
  faults_injected: number;
  alerts_fired: number;
  slopes_judged: boolean;
  faults: FaultOutcome[];
  unexplained_alerts: string[];
  memory: MemoryFigures[];
  unexpected_exits: string[];
};

/** A process's kind: its name without the number or letter that tells it from its pair (`consumer-2`, `host-b`). */
export const kindOf = (name: string) => name.replace(/-(\d+|[a-z])$/, '');

/**
 * The plant's verdict beyond the counts (which `verdict()` judged): every fault's alert seen, no alert left unexplained,
 * no process of the plant exiting by itself, and from SLOPE_JUDGED_FROM_MIN minutes on every judged memory slope
 * within ±SLOPE_LIMIT MB/min, with at least one life of every kind of process judged (a run whose lives were all
 * too short to judge proves nothing about memory).
 */
export function plantOk(r: {
  countsOk: boolean;
  faults: Pick<FaultOutcome, 'alert_seen'>[];
  unexplained: string[];
  memory: Pick<MemoryFigures, 'name' | 'slope_mb_per_min'>[];
  minutes: number;
  exits: string[];
}): boolean {
  const judged = r.minutes >= SLOPE_JUDGED_FROM_MIN;
  const kinds = new Set(r.memory.map((m) => kindOf(m.name)));
  const judgedKinds = new Set(r.memory.filter((m) => m.slope_mb_per_min !== null).map((m) => kindOf(m.name)));
  const slopesOk =
    !judged ||
    (judgedKinds.size === kinds.size && r.memory.every((m) => m.slope_mb_per_min === null || Math.abs(m.slope_mb_per_min) <= SLOPE_LIMIT));
  return r.countsOk && r.faults.every((f) => f.alert_seen) && r.unexplained.length === 0 && slopesOk && r.exits.length === 0;
}

/** Events each camera is missing: its produced seqs 1..n that the store does not hold (the verdict's `lost`). */
async function missingSeqs(url: string, produced: Map<string, number>): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = (
      await client.query(`SELECT region || '/' || site || '/' || camera AS key, count(DISTINCT seq) AS n FROM events GROUP BY 1`)
    ).rows;
    const have = new Map(rows.map((r) => [String(r.key), Number(r.n)]));
    let missing = 0;
    for (const [camera, n] of produced) missing += Math.max(0, n - (have.get(camera) ?? 0));
    return missing;
  } finally {
    await client.end();
  }
}

/**
 * How long the hosts keep running after the faults while the store has gaps: the consumers' repair grace (60 s, their
 * default) and the repair itself. Repair asks the running bridges for what they still hold, so it must come first.
 */
const GAPS_WAIT_MS = 150_000;

/** Seqs missing inside each camera's stored range: what the broker dropped (a restart, a shared subscription) and repair has not brought yet. */
async function gapsInStore(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT coalesce(sum(n), 0) AS gaps FROM (SELECT max(seq) - min(seq) + 1 - count(DISTINCT seq) AS n FROM events GROUP BY region, site, camera) g`,
    );
    return Number(rows[0].gaps);
  } finally {
    await client.end();
  }
}

/**
 * After the run: the engine and the dashboard stop; while the hosts still run, repair fills the gaps a fault left;
 * then the hosts stop cleanly (their outboxes drain) and the consumers catch up.
 */
async function settle(plant: Plant, progress: (line: string) => void) {
  await plant.alerts.stop(10_000);
  await plant.dashboard.stop(10_000);
  const since = Date.now();
  const filled = await waitUntil(async () => (await gapsInStore(plant.postgres.url).catch(() => -1)) === 0, GAPS_WAIT_MS);
  const waited = Math.round((Date.now() - since) / 1000);
  progress(filled ? `no gap left in the store (after ${waited} s)` : `gaps still open after ${waited} s of repair`);
  await Promise.all(plant.hosts.map((h) => h.process.stop(30_000)));
  const produced = await producedByCamera(plant.hosts);
  const total = [...produced.values()].reduce((a, b) => a + b, 0);
  const caughtUp = async () => (await postgresCounts(plant.postgres.url).catch(() => ({ distinct: -1 }))).distinct >= total;
  const ok = await waitUntil(caughtUp, 60_000);
  progress(`hosts stopped: ${total} events produced; the store ${ok ? 'caught up' : 'did NOT catch up within 60 s'}`);
  await Promise.all(plant.consumers.map((c) => c.stop(15_000)));
  return { produced, total };
}

/** `seamline chaos plant`: the distributed shape for `minutes`, with faults drawn from `seed` (schedule.ts). */
export async function runPlant(o: PlantOptions, progress: (line: string) => void): Promise<PlantResult> {
  const shape: PlantShape = { perHost: o.perHost ?? [3, 2], consumers: o.consumers ?? 2, fps: o.fps ?? 2 };
  const runSeconds = Math.round(o.minutes * 60);
  const judged = o.minutes >= SLOPE_JUDGED_FROM_MIN;
  const plan = planFaults({
    seed: o.seed,
    runSeconds,
    consumers: shape.consumers,
    hosts: shape.perHost.length,
    ...(judged && { spareFromSeconds: runSeconds / 2 }),
  });
  progress(`plan (seed ${o.seed}, ${runSeconds} s): ${plan.map((f) => `${f.kind}#${f.target}@${f.at_s}s`).join(', ') || 'no fault fits'}`);
  const dir = scratchDir('seamline-plant-');
  let runStart = Date.now();
  const hook = new WebhookReceiver(() => runStart);
  const names = new Map<number, string>();
  let plant: Plant | undefined;
  try {
    const url = await hook.listen();
    plant = await startPlant(dir, shape, url, (pid, name) => names.set(pid, name), progress);
    runStart = Date.now();
    const sampler = new MemorySampler(runStart, (pid) => names.get(pid));
    progress(`plant running; ${o.minutes} min of faults from now`);
    const injected = await runFaults(plant, plan, runStart, runSeconds, { sampler, hook, progress });
    const { produced, total } = await settle(plant, progress);
    const counts = await postgresCounts(plant.postgres.url);
    const lost = await missingSeqs(plant.postgres.url, produced);
    const base = verdict('plant', total, counts, counts.deadLetters, { lost });
    const { faults, unexplained } = attribute(injected, hook.fired);
    const memory = sampler.figures(runSeconds);
    const exits = [plant.alerts, plant.dashboard, ...plant.consumers, ...plant.hosts.map((h) => h.process)].flatMap(
      (p) => p.unexpectedExits,
    );
    return {
      ...base,
      minutes: o.minutes,
      seed: o.seed,
      cameras: [...produced.keys()].length,
      faults_injected: faults.length,
      alerts_fired: hook.fired.length,
      slopes_judged: o.minutes >= SLOPE_JUDGED_FROM_MIN,
      ok: plantOk({ countsOk: base.ok, faults, unexplained, memory, minutes: o.minutes, exits }),
      faults,
      unexplained_alerts: unexplained,
      memory,
      unexpected_exits: exits,
    };
  } finally {
    if (plant) await stopPlant(plant).catch(() => {});
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

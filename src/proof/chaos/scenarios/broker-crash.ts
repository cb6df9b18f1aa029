import { rmSync } from 'node:fs';
import mqtt from 'mqtt';
import { startMosquitto, type RunningMosquitto } from '../../services/mosquitto.ts';
import { startPostgres } from '../../services/postgres.ts';
import { BridgeFeeder } from '../harness/bridge-feeder.ts';
import { spawnConsumerProcess, type ConsumerProcess } from '../harness/consumer-process.ts';
import { committedOf } from '../harness/end-to-end.ts';
import { postgresRepairCounts, type RepairCounts } from '../harness/repair-counts.ts';
import type { ChaosResult, ChaosScenario } from '../harness/scenario.ts';
import { waitUntil } from '../harness/wait-until.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export interface BrokerCrashOptions {
  /** Events the bridges answer for in the crash phase (the CLI run: at least 100,000). */
  events: number;
  /** Events per second over all cameras. */
  rate: number;
  cameras: number;
  /** SIGKILLs of Mosquitto, spread over the load; the consumers are connected, stopped or held back at each in turn. */
  crashes: number;
  /** Events of the second phase: two consumers on a shared subscription across a Mosquitto restart. */
  sharedEvents: number;
  /** The repairers' grace period, seconds (the default 60 only adds waiting to a run). */
  graceSeconds: number;
  /** How long to wait for everything to be repaired after the load, ms. */
  settleMs: number;
}

/** What the consumers are doing when the broker dies: each crash takes the next one. */
const MODES = ['connected', 'stopped', 'held'] as const;
type Mode = (typeof MODES)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Phase 1: bridges publish through Mosquitto (persistence, `autosave_interval 10` as in the sample config) into
 * two consumer processes on the shared subscription (PostgreSQL, repair on); Mosquitto is SIGKILLed `crashes`
 * times under load, with both consumers connected, stopped (SIGTERM) or held back (SIGSTOP) at the moment of the
 * crash. Whatever the broker acknowledged since its last snapshot dies with it, and Mosquitto 2.0.11 does not
 * restore shared subscriptions, so what the bridges publish before the consumers subscribe again is acknowledged
 * and dropped too; the bridges' replay windows and the repairers bring all of it back.
 */
async function crashPhase(o: BrokerCrashOptions, dir: string, progress: (line: string) => void) {
  const [broker, postgres] = await Promise.all([startMosquitto({ autosaveInterval: 10 }), startPostgres()]);
  const ids = ['chaos-crash-1', 'chaos-crash-2'];
  const argsOf = (id: string) => [
    '--url',
    broker.url,
    '--client-id',
    id,
    '--store',
    postgres.url,
    '--repair-grace',
    String(o.graceSeconds),
  ];
  const consumers: (ConsumerProcess | undefined)[] = [];
  // What each consumer committed over its lives (each says so as a SIGTERM stops it).
  const committed = ids.map(() => 0);
  const stopAll = async () => {
    for (const c of consumers) c?.child.kill('SIGTERM');
    await Promise.all(consumers.map((c) => c?.exited));
    consumers.forEach((c, i) => {
      committed[i] += Math.max(0, committedOf(c?.log() ?? ''));
      consumers[i] = undefined;
    });
  };
  const startAll = async () => {
    // One after the other: the first creates the schema.
    for (let i = 0; i < ids.length; i++) consumers[i] = await spawnConsumerProcess(argsOf(ids[i]));
  };
  const feeder = new BridgeFeeder({ brokerUrl: broker.url, dir, cameras: o.cameras, site: 'crash', rate: o.rate, events: o.events });
  const modes: Mode[] = [];
  const answeredAtCrash: number[] = [];
  try {
    await startAll();
    // The load goes on until the last crash is a few seconds behind: every crash is under load.
    let crashesDoneAt = Infinity;
    await feeder.start(() => Date.now() < crashesDoneAt + 3_000);
    const started = Date.now();
    const loadMs = (o.events / o.rate) * 1000;
    for (let k = 0; k < o.crashes; k++) {
      // Crash k at an even share of the load, whatever the restarts before it took.
      await sleep(started + ((k + 1) * loadMs) / (o.crashes + 1) - 3_000 - Date.now());
      const mode = MODES[k % MODES.length];
      modes.push(mode);
      if (mode === 'stopped') await stopAll();
      else if (mode === 'held') for (const c of consumers) c!.child.kill('SIGSTOP');
      await sleep(3_000); // the broker acknowledges and queues while the consumers are away
      await broker.kill();
      answeredAtCrash.push(feeder.accepted.size);
      progress(`crash ${k + 1}/${o.crashes} (consumers ${mode}): Mosquitto SIGKILLed after ${feeder.accepted.size} events answered`);
      await sleep(1_000);
      await broker.start();
      if (mode === 'stopped') await startAll();
      else if (mode === 'held') for (const c of consumers) c!.child.kill('SIGCONT');
    }
    crashesDoneAt = Date.now();
    await feeder.finished();
    const loadEnded = Date.now();
    progress(`bridges answered for ${feeder.accepted.size} events (${feeder.refused} refused); waiting for repair`);
    const settled = await waitUntil(async () => {
      const now = await postgresRepairCounts(postgres.url, feeder.accepted).catch(() => undefined);
      return now !== undefined && now.missing === 0 && now.repairing === 0;
    }, o.settleMs);
    const settleMs = Date.now() - loadEnded;
    // Let the repairers write their last resolutions before they stop.
    await sleep(3_000);
    await stopAll();
    const counts = await postgresRepairCounts(postgres.url, feeder.accepted);
    return {
      counts,
      settled,
      settleMs,
      modes,
      answeredAtCrash,
      perConsumer: committed,
      produced: feeder.accepted.size,
      refused: feeder.refused,
      republished: feeder.republished(),
    };
  } finally {
    for (const c of consumers) c?.child.kill('SIGKILL');
    await feeder.close();
    await Promise.all([broker.close(), postgres.stop()]);
  }
}

/**
 * Phase 2: two consumer processes on one shared subscription into PostgreSQL; Mosquitto is restarted cleanly
 * mid-stream. Mosquitto 2.0 does not restore shared subscriptions, so what the bridges publish before the
 * consumers subscribe again is acknowledged and dropped; repair must bring it back.
 */
async function sharedPhase(o: BrokerCrashOptions, dir: string, progress: (line: string) => void) {
  const [broker, postgres] = await Promise.all([startMosquitto({ autosaveInterval: 10 }), startPostgres()]);
  const consumers: ConsumerProcess[] = [];
  const feeder = new BridgeFeeder({
    brokerUrl: broker.url,
    dir,
    cameras: 2,
    site: 'shared',
    rate: Math.min(o.rate, 1_000),
    events: o.sharedEvents,
  });
  // Who asks for each camera: with two consumers, exactly one repairer owns a camera's repair at a time.
  const requesters = new Map<string, Set<string>>();
  const spy = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'chaos-shared-spy', reconnectPeriod: 200 });
  spy.on('connect', () => void spy.subscribeAsync('vision/+/+/+/repair-request', { qos: 1 }).catch(() => {}));
  spy.on('message', (topic, payload) => {
    const camera = topic.split('/').slice(1, 4).join('/');
    const who = String((JSON.parse(payload.toString()) as { requester?: string }).requester);
    requesters.set(camera, (requesters.get(camera) ?? new Set()).add(who));
  });
  await spy.subscribeAsync('vision/+/+/+/repair-request', { qos: 1 });
  try {
    for (const id of ['chaos-shared-1', 'chaos-shared-2']) {
      consumers.push(
        await spawnConsumerProcess([
          '--url',
          broker.url,
          '--client-id',
          id,
          '--store',
          postgres.url,
          '--repair-grace',
          String(o.graceSeconds),
        ]),
      );
    }
    let restartedAt = Infinity;
    await feeder.start(() => Date.now() < restartedAt + 3_000);
    await sleep((o.sharedEvents / Math.min(o.rate, 1_000)) * 500);
    await restart(broker);
    restartedAt = Date.now();
    progress(`Mosquitto restarted under two shared-subscription consumers after ${feeder.accepted.size} events`);
    await feeder.finished();
    const loadEnded = Date.now();
    const ids = feeder.accepted;
    const settled = await waitUntil(
      async () => (await postgresRepairCounts(postgres.url, ids).catch(() => undefined))?.missing === 0,
      o.settleMs,
    );
    const settleMs = Date.now() - loadEnded;
    // Let the repairers write their last resolutions before they stop.
    await sleep(3_000);
    for (const c of consumers) c.child.kill('SIGTERM');
    await Promise.all(consumers.map((c) => c.exited));
    consumers.length = 0;
    const counts = await postgresRepairCounts(postgres.url, ids);
    const owners = Math.max(0, ...[...requesters.values()].map((r) => r.size));
    return { counts, settled, settleMs, produced: ids.size, republished: feeder.republished(), owners };
  } finally {
    await spy.endAsync(true).catch(() => {});
    for (const c of consumers) c.child.kill('SIGKILL');
    await feeder.close();
    await Promise.all([broker.close(), postgres.stop()]);
  }
}

async function restart(broker: RunningMosquitto): Promise<void> {
  await broker.stop();
  await sleep(500);
  await broker.start();
}

function ok(c: RepairCounts, settled: boolean): boolean {
  return settled && c.missing === 0 && c.duplicates === 0 && c.rows === c.distinct && c.detectionsMismatch === 0;
}

export function brokerCrash(o: BrokerCrashOptions): ChaosScenario {
  return {
    name: 'broker-crash',
    description:
      `${o.events} events at ${o.rate}/s from ${o.cameras} bridges into two shared-subscription consumers and PostgreSQL; Mosquitto ` +
      `(autosave_interval 10) SIGKILLed ${o.crashes} times with the consumers connected, stopped or held back; then two more across a ` +
      `clean restart; repair brings back what the broker lost`,
    async run(progress) {
      const dir = scratchDir('seamline-chaos-crash-');
      try {
        const a = await crashPhase(o, dir, progress);
        progress(`crash phase: ${a.counts.repaired} seqs repaired, ${a.counts.lost} lost, longest repair ${a.counts.longestRepairMs} ms`);
        const b = await sharedPhase(o, dir, progress);
        progress(`shared phase: ${b.counts.repaired} seqs repaired, ${b.counts.missing} missing`);
        const result: ChaosResult = {
          scenario: 'broker-crash',
          produced: a.produced,
          stored: a.counts.distinct,
          lost: a.counts.missing,
          duplicates: a.counts.duplicates,
          detections_mismatch: a.counts.detectionsMismatch,
          dead_lettered: 0,
          seq_repeats: a.counts.duplicates,
          repaired: a.counts.repaired,
          confirmed_lost: a.counts.lost,
          repair_ms_longest: a.counts.longestRepairMs,
          repair_ms_median: a.counts.medianRepairMs,
          settle_after_load_s: Math.round(a.settleMs / 100) / 10,
          republished: a.republished,
          crashes: o.crashes,
          crash_modes: a.modes.join(','),
          // The crash phase's downstream: two consumers on the shared subscription, what each committed over its lives.
          per_consumer: a.perConsumer.join(','),
          store: 'postgres',
          // Events answered when each crash came: all below `produced` means every crash was under load.
          answered_at_crashes: a.answeredAtCrash.join(','),
          grace_s: o.graceSeconds,
          shared_produced: b.produced,
          shared_stored: b.counts.distinct,
          shared_lost: b.counts.missing,
          shared_duplicates: b.counts.duplicates,
          shared_detections_mismatch: b.counts.detectionsMismatch,
          shared_repaired: b.counts.repaired,
          shared_settle_after_load_s: Math.round(b.settleMs / 100) / 10,
          // Most consumers that asked for any one camera: 1 when one repairer owned each camera's repair.
          shared_requesters_per_camera: b.owners,
          ok: ok(a.counts, a.settled) && ok(b.counts, b.settled) && a.counts.lost === 0 && a.perConsumer.every((n) => n > 0),
        };
        return result;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export const BROKER_CRASH_CLI: BrokerCrashOptions = {
  events: 100_000,
  rate: 2_000,
  cameras: 4,
  crashes: 4,
  sharedEvents: 20_000,
  graceSeconds: 10,
  settleMs: 600_000,
};
export const brokerCrashScenario = brokerCrash(BROKER_CRASH_CLI);

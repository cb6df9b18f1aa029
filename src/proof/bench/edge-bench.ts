import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startAvailableBroker } from '../services/available-broker.ts';
import type { RunningBroker } from '../../broker/embedded.ts';
import { createBridge, type Bridge } from '../../edge/bridge/bridge.ts';
import type { EdgeDetectionInput } from '../../edge/bridge/record.ts';
import type { FsyncPolicy } from '../../edge/outbox/outbox.ts';
import { scratchDir } from '../../plumbing/scratch-dirs.ts';

export interface EdgeBenchOptions {
  /** Broker to drain into; by default Mosquitto when installed, else the embedded broker (MQTT 3.1.1). */
  url?: string;
  protocol?: 4 | 5;
  /** Events accepted in the accept phase (default 100,000). */
  acceptEvents?: number;
  /** Backlog drained in the drain phase (default 100,000). */
  drainEvents?: number;
  /** Fsync policy of both phases (default `always`: every accept waits for its group commit's fsync). */
  fsync?: FsyncPolicy;
  /** Accepts outstanding at once, as many concurrent producers would have (default 2,000). */
  concurrency?: number;
  maxInFlight?: number;
  /** Where the outbox lives; a temp dir on the same disk by default (removed afterwards). */
  dataDir?: string;
  /** Rounds of window-off then window-on; the best rate of each configuration is reported (default 3). */
  rounds?: number;
  /** Called with progress lines for a human-readable table. */
  log?: (line: string) => void;
}

export interface EdgeBenchResult {
  /** Durable accepts per second: validated, assigned, group-committed (and fsync'd under `always`). */
  accept_per_s: number;
  /** Backlog events per second published at QoS 1 and removed from the outbox on their PUBACK. */
  drain_per_s: number;
  /** CPU time of this process per event in each phase, microseconds: steadier than rates on a shared machine. */
  accept_cpu_us: number;
  drain_cpu_us: number;
  /** The same two rates with the replay window off (replayMaxBytes 0), measured in the same run. */
  accept_per_s_no_window: number;
  drain_per_s_no_window: number;
  /** With the window on as a share of with it off (1.0 = no cost); the repair issue's bound is 0.9. */
  accept_ratio_vs_no_window: number;
  drain_ratio_vs_no_window: number;
  rounds: number;
  accept_events: number;
  drain_events: number;
  fsync: FsyncPolicy;
  broker: string;
}

/** A realistic event: three boxes, about 550 bytes of JSON once the bridge adds its fields. */
function sampleInput(i: number): EdgeDetectionInput {
  const captured = Date.now();
  return {
    captured_at: new Date(captured).toISOString(),
    inferred_at: new Date(captured + 23).toISOString(),
    model: { name: 'yolov8n-defects', version: '1.4.2' },
    frame: { width: 1920, height: 1080 },
    detections: [
      { class: 'part', class_id: 0, confidence: 0.97, bbox: [412, 220, 380, 360] },
      { class: 'scratch', class_id: 1, confidence: 0.81, bbox: [520 + (i % 7), 300, 42, 12] },
      { class: 'dent', class_id: 2, confidence: 0.64, bbox: [610, 410, 30, 28] },
    ],
  };
}

function cpuPerEvent(since: NodeJS.CpuUsage, events: number): number {
  const used = process.cpuUsage(since);
  return Math.round(((used.user + used.system) / events) * 10) / 10;
}

async function acceptAll(bridge: Bridge, count: number, concurrency: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) await bridge.accept(sampleInput(next++));
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return performance.now() - started;
}

type BridgeSettings = Omit<Parameters<typeof createBridge>[0], 'clientId' | 'dataDir'>;

/**
 * One accept phase and one drain phase. Accepts: the bridge is never started, so nothing competes with the
 * outbox for the disk or CPU. Drain: the backlog is built offline, then timed from start() to an empty outbox.
 */
async function measurePhases(settings: BridgeSettings, dir: string, acceptEvents: number, drainEvents: number, concurrency: number) {
  const acceptBridge = createBridge({ ...settings, clientId: 'bench-accept', dataDir: join(dir, 'accept') });
  const acceptStart = process.cpuUsage();
  const acceptMs = await acceptAll(acceptBridge, acceptEvents, concurrency);
  const acceptCpu = cpuPerEvent(acceptStart, acceptEvents);
  await acceptBridge.close();

  const drainBridge = createBridge({ ...settings, clientId: 'bench-drain', dataDir: join(dir, 'drain') });
  await acceptAll(drainBridge, drainEvents, concurrency);
  const started = performance.now();
  const drainStart = process.cpuUsage();
  await drainBridge.start();
  const drained = await drainBridge.drain(600_000);
  const drainMs = performance.now() - started;
  const drainCpu = cpuPerEvent(drainStart, drainEvents);
  const acked = drainBridge.stats().acked;
  await drainBridge.close();
  if (!drained) throw new Error(`backlog did not drain: ${acked} of ${drainEvents} acknowledged`);
  const rate = (events: number, ms: number) => Math.round((events / ms) * 1000);
  return { accept: rate(acceptEvents, acceptMs), drain: rate(drainEvents, drainMs), acceptCpu, drainCpu };
}

/**
 * Measures the two edge figures of `seamline bench edge`: durable accepts per second into the outbox
 * (no broker involved), and how fast a backlog drains into a broker once it is reachable.
 */
export async function runEdgeBench(options: EdgeBenchOptions = {}): Promise<EdgeBenchResult> {
  const log = options.log ?? (() => {});
  const acceptEvents = options.acceptEvents ?? 100_000;
  const drainEvents = options.drainEvents ?? 100_000;
  const concurrency = options.concurrency ?? 2000;
  const rounds = options.rounds ?? 3;
  const fsync = options.fsync ?? 'always';
  const ownDir = options.dataDir === undefined;
  const root = options.dataDir ?? scratchDir('seamline-edge-bench-');
  let broker: RunningBroker | undefined;
  let url = options.url;
  let protocol = options.protocol ?? 5;
  let brokerName = url ?? '';
  try {
    if (!url) {
      const available = await startAvailableBroker();
      broker = available;
      url = available.url;
      if (!available.protocolVersions.includes(protocol)) protocol = 4;
      brokerName = available.name;
    }
    const common = {
      url,
      protocol,
      region: 'bench',
      site: 'bench',
      camera: 'cam-01',
      fsync,
      maxBytes: 4 * 1024 * 1024 * 1024,
      maxInFlight: options.maxInFlight ?? 1000,
      heartbeat: 3600,
    };

    // Window off and on, alternated, best of each: the cost of the replay window is the gap between the
    // two, and alternating keeps a noisy neighbour from landing on one configuration only.
    const best = { on: { accept: 0, drain: 0, acceptCpu: 0, drainCpu: 0 }, off: { accept: 0, drain: 0, acceptCpu: 0, drainCpu: 0 } };
    for (let round = 0; round < rounds; round++) {
      for (const window of ['off', 'on'] as const) {
        const dir = join(root, `${window}-${round}`);
        const settings = { ...common, ...(window === 'off' ? { replayMaxBytes: 0 } : {}) };
        const r = await measurePhases(settings, dir, acceptEvents, drainEvents, concurrency);
        log(`window ${window}, round ${round + 1}: accept ${r.accept}/s, drain ${r.drain}/s into ${brokerName}`);
        const b = best[window];
        if (r.accept > b.accept) [b.accept, b.acceptCpu] = [r.accept, r.acceptCpu];
        if (r.drain > b.drain) [b.drain, b.drainCpu] = [r.drain, r.drainCpu];
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
    return {
      accept_per_s: best.on.accept,
      drain_per_s: best.on.drain,
      accept_cpu_us: best.on.acceptCpu,
      drain_cpu_us: best.on.drainCpu,
      accept_per_s_no_window: best.off.accept,
      drain_per_s_no_window: best.off.drain,
      accept_ratio_vs_no_window: ratio(best.on.accept, best.off.accept),
      drain_ratio_vs_no_window: ratio(best.on.drain, best.off.drain),
      rounds,
      accept_events: acceptEvents,
      drain_events: drainEvents,
      fsync,
      broker: brokerName,
    };
  } finally {
    await broker?.close();
    if (ownDir) rmSync(root, { recursive: true, force: true });
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAvailableBroker } from '../services/available-broker.ts';
import type { RunningBroker } from '../../broker/embedded.ts';
import { createBridge, type Bridge } from '../../edge/bridge.ts';
import type { EdgeDetectionInput } from '../../edge/edge-input.ts';
import type { FsyncPolicy } from '../../edge/outbox.ts';

export interface EdgeBenchOptions {
  /** Broker to drain into; by default Mosquitto when installed, else the embedded broker (MQTT 3.1.1). */
  brokerUrl?: string;
  protocolVersion?: 4 | 5;
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

/**
 * Measures the two edge figures of `seamline bench edge`: durable accepts per second into the outbox
 * (no broker involved), and how fast a backlog drains into a broker once it is reachable.
 */
export async function runEdgeBench(options: EdgeBenchOptions = {}): Promise<EdgeBenchResult> {
  const log = options.log ?? (() => {});
  const acceptEvents = options.acceptEvents ?? 100_000;
  const drainEvents = options.drainEvents ?? 100_000;
  const concurrency = options.concurrency ?? 2000;
  const fsync = options.fsync ?? 'always';
  const ownDir = options.dataDir === undefined;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'seamline-edge-bench-'));
  let broker: RunningBroker | undefined;
  let brokerUrl = options.brokerUrl;
  let protocolVersion = options.protocolVersion ?? 5;
  let brokerName = brokerUrl ?? '';
  try {
    if (!brokerUrl) {
      const available = await startAvailableBroker();
      broker = available;
      brokerUrl = available.url;
      if (!available.protocolVersions.includes(protocolVersion)) protocolVersion = 4;
      brokerName = available.name;
    }
    const common = {
      brokerUrl,
      protocolVersion,
      region: 'bench',
      site: 'bench',
      camera: 'cam-01',
      fsync,
      maxBytes: 4 * 1024 * 1024 * 1024,
      maxInFlight: options.maxInFlight ?? 1000,
      heartbeatSeconds: 3600,
    };

    // Accept phase: the bridge is never started, so nothing competes with the outbox for the disk or CPU.
    const acceptBridge = createBridge({ ...common, clientId: 'bench-accept', dataDir: join(root, 'accept') });
    const acceptCpu = process.cpuUsage();
    const acceptMs = await acceptAll(acceptBridge, acceptEvents, concurrency);
    const accept_cpu_us = cpuPerEvent(acceptCpu, acceptEvents);
    const accept_per_s = Math.round((acceptEvents / acceptMs) * 1000);
    log(`accept: ${acceptEvents} events durable in ${acceptMs.toFixed(0)} ms = ${accept_per_s}/s (fsync ${fsync})`);
    await acceptBridge.close();

    // Drain phase: build the backlog offline, then time from start() to an empty outbox.
    const drainBridge = createBridge({ ...common, clientId: 'bench-drain', dataDir: join(root, 'drain') });
    await acceptAll(drainBridge, drainEvents, concurrency);
    const started = performance.now();
    const drainCpu = process.cpuUsage();
    await drainBridge.start();
    const drained = await drainBridge.drain(600_000);
    const drainMs = performance.now() - started;
    const drain_cpu_us = cpuPerEvent(drainCpu, drainEvents);
    const acked = drainBridge.stats().acked;
    await drainBridge.close();
    if (!drained) throw new Error(`backlog did not drain: ${acked} of ${drainEvents} acknowledged`);
    const drain_per_s = Math.round((drainEvents / drainMs) * 1000);
    log(`drain: ${drainEvents} backlog events acknowledged in ${drainMs.toFixed(0)} ms = ${drain_per_s}/s into ${brokerName}`);
    return { accept_per_s, drain_per_s, accept_cpu_us, drain_cpu_us, accept_events: acceptEvents, drain_events: drainEvents, fsync, broker: brokerName };
  } finally {
    await broker?.close();
    if (ownDir) rmSync(root, { recursive: true, force: true });
  }
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { detectionTopic } from '../../../contract/index.ts';
import { killWithUs } from '../../../plumbing/children.ts';
import { seamlineArgs } from '../../../plumbing/modules.ts';
import { waitUntil } from '../../chaos/harness/wait-until.ts';
import type { AvailableBroker } from '../../services/available-broker.ts';
const CAMERA = { region: 'bench', site: 'start-bench', camera: 'cam-1' };

export interface BridgeRestartOptions {
  broker: AvailableBroker;
  /** A temp dir the caller removes: the outbox lives here across the bridge's lives. */
  dir: string;
  runs: number;
  progress: (line: string) => void;
}

/** The bridge's answer line for an accepted record (docs/edge.md, NDJSON on stdin). */
export interface Answer {
  line: number;
  event_id: string;
  seq: number;
}

export interface BridgeRestart {
  /** Per restart: ms from the spawn of `seamline edge --stdin` to its answer line for the record it was given. */
  ms: number[];
  answers: Answer[];
  /** How many of the answered events a subscriber got from the broker by the end. */
  arrived: number;
}

function record() {
  const now = Date.now();
  return {
    camera: CAMERA.camera,
    captured_at: new Date(now).toISOString(),
    inferred_at: new Date(now + 20).toISOString(),
    model: { name: 'yolov8n-defects', version: '1.4.2' },
    frame: { width: 1920, height: 1080 },
    detections: [{ class: 'scratch', class_id: 1, confidence: 0.81, bbox: [520, 300, 42, 12] }],
  };
}

/**
 * First accept, seen from outside: the answer line on stdout, which the bridge writes once the record is durable
 * in its outbox. The record is written to stdin at the spawn (the pipe holds it until the bridge reads), so the
 * figure is spawn to answer with nothing polled: no port to wait for, unlike HTTP.
 */
async function life(args: string[]): Promise<{ ms: number; answer: Answer; child: ChildProcessWithoutNullStreams }> {
  const started = performance.now();
  const child = killWithUs(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
  child.stdin.write(`${JSON.stringify(record())}\n`);
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bridge answered nothing in 60 s: ${log.slice(-1000)}`)), 60_000);
    lines.once('line', (line) => (clearTimeout(timer), resolve(line)));
    child.once(
      'exit',
      (code) => (clearTimeout(timer), reject(new Error(`the bridge exited ${code} before answering: ${log.slice(-1000)}`))),
    );
  });
  const ms = performance.now() - started;
  lines.close();
  const answer = JSON.parse(first) as Answer & { error?: string };
  if (!answer.event_id) throw new Error(`the bridge refused the record: ${first}`);
  return { ms, answer, child };
}

/**
 * `seamline edge --stdin` on one outbox, `runs` + 1 lives: the first creates the outbox and is not timed; each
 * other is a restart after a SIGKILL (as a crashed host's), timed from its spawn to its first answer. The last
 * life is stopped by the end of its stdin, so it publishes what the outbox holds before it exits; a subscriber
 * on the camera's topic counts the answered events that reached the broker.
 */
export async function bridgeRestarts(o: BridgeRestartOptions): Promise<BridgeRestart> {
  const topic = detectionTopic(CAMERA);
  const watch = await mqtt.connectAsync(o.broker.url, {
    protocolVersion: o.broker.protocolVersion,
    clientId: 'bench-start-watch',
    clean: true,
  });
  const seen = new Set<string>();
  watch.on('message', (_t, payload) => seen.add((JSON.parse(payload.toString()) as { event_id: string }).event_id));
  const args = seamlineArgs([
    'edge',
    '--stdin',
    '--url',
    o.broker.url,
    '--protocol',
    String(o.broker.protocolVersion),
    '--client-id',
    'bench-start-edge',
  ]);
  args.push('--region', CAMERA.region, '--site', CAMERA.site, '--camera', CAMERA.camera, '--data-dir', join(o.dir, 'outbox'));
  args.push('--http-port', '-1', '--log-level', 'warn');
  const ms: number[] = [];
  const answers: Answer[] = [];
  try {
    await watch.subscribeAsync(topic, { qos: 1 });
    for (let n = 0; n <= o.runs; n++) {
      const l = await life(args);
      answers.push(l.answer);
      if (n > 0) {
        ms.push(Math.round(l.ms * 10) / 10);
        o.progress(`bridge restart ${n}/${o.runs}: first record answered ${ms.at(-1)} ms after the spawn (seq ${l.answer.seq})`);
      }
      const exited = l.child.exitCode === null ? new Promise((r) => l.child.once('exit', r)) : Promise.resolve();
      if (n < o.runs) l.child.kill('SIGKILL');
      else l.child.stdin.end();
      await exited;
    }
    await waitUntil(() => answers.every((a) => seen.has(a.event_id)), 15_000);
    return { ms, answers, arrived: answers.filter((a) => seen.has(a.event_id)).length };
  } finally {
    await watch.endAsync();
  }
}

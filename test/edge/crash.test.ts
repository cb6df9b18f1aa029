import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { collect, makeInput, sleep, tempDir } from './support.ts';

const CHILD = fileURLToPath(new URL('./fixtures/bridge-child.ts', import.meta.url));
const CAMERA = 'cam-crash';

let broker: RunningMosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker.close();
});

interface Answer {
  line: number;
  event_id: string;
  seq: number;
}

/** Runs the bridge in its own process, fed NDJSON on stdin; collects the answers it writes on stdout. */
function spawnBridge(dataDir: string): { child: ChildProcessWithoutNullStreams; answers: Answer[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, broker.url, dataDir, CAMERA], { stdio: ['pipe', 'pipe', 'pipe'] });
  const answers: Answer[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    // The SIGKILL may cut the last answer short: a producer only counts complete answers.
    try {
      answers.push(JSON.parse(l) as Answer);
    } catch {}
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolve(code);
    }),
  );
  child.stdin.on('error', () => {}); // EPIPE after the SIGKILL is expected
  return { child, answers, exited };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** What a subscriber arriving now is handed for the camera's status topic: the retained message, flag and all. */
async function retainedStatus(): Promise<{ state: unknown; retain: boolean }[]> {
  const late = await collect(broker.url, { filter: `vision/eu/plant-1/${CAMERA}/status` });
  try {
    await until(() => late.statuses.length > 0, 10_000, 'the retained status');
    return late.statuses.map((s) => ({ state: s.message.state, retain: s.retain }));
  } finally {
    await late.close();
  }
}

describe('edge bridge process', () => {
  // Its own waits add up to 55 s (3,000 answers, the will, the collector) before two process starts.
  test('killed with SIGKILL mid-stream and restarted: every accepted event arrives, seq continues, and the will leaves offline retained', {
    timeout: 120_000,
  }, async (t) => {
    const { dir, cleanup } = tempDir();
    const collector = await collect(broker.url, { persistent: true, filter: `vision/eu/plant-1/${CAMERA}/detection` });
    const watcher = await collect(broker.url, { filter: `vision/eu/plant-1/${CAMERA}/status` });
    const children: ChildProcessWithoutNullStreams[] = [];
    t.after(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await collector.close();
      await watcher.close();
      cleanup();
    });

    const first = spawnBridge(dir);
    children.push(first.child);
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const batch = Array.from({ length: 100 }, () => JSON.stringify(makeInput())).join('\n') + '\n';
        if (!first.child.stdin.write(batch)) await sleep(5);
        await sleep(5);
      }
    })();
    await until(() => first.answers.length >= 3000, 30_000, '3000 accepted events');
    first.child.kill('SIGKILL');
    writing = false;
    await writer;
    await first.exited;
    const acceptedBefore = [...first.answers];
    const lastSeq = Math.max(...acceptedBefore.map((a) => a.seq));
    assert.deepEqual(
      acceptedBefore.map((a) => a.seq),
      Array.from({ length: acceptedBefore.length }, (_, i) => i + 1),
      'answers came in seq order from 1',
    );
    await until(() => watcher.statuses.some((s) => s.message.state === 'offline'), 5000, 'the last will');
    assert.deepEqual(await retainedStatus(), [{ state: 'offline', retain: true }], 'the will is retained');

    const second = spawnBridge(dir);
    children.push(second.child);
    second.child.stdin.end(Array.from({ length: 200 }, () => JSON.stringify(makeInput())).join('\n') + '\n');
    assert.equal(await second.exited, 0);
    assert.equal(second.answers.length, 200);
    assert.ok(second.answers[0].seq > lastSeq, `seq continues after ${lastSeq}: got ${second.answers[0].seq}`);

    const all = [...acceptedBefore, ...second.answers];
    await collector.waitFor(all.length, 20_000);
    for (const a of all) assert.equal(collector.byId.get(a.event_id)?.seq, a.seq, `event ${a.event_id} arrived with seq ${a.seq}`);
    const seqs = new Set([...collector.byId.values()].map((m) => m.seq));
    assert.equal(seqs.size, collector.byId.size, 'no seq was handed out twice');
    assert.equal(watcher.statuses.at(-1)?.message.state, 'offline', 'a clean close says offline');
    assert.deepEqual(await retainedStatus(), [{ state: 'offline', retain: true }], 'a clean close leaves offline retained');
  });
});

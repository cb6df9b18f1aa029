import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { waitFor } from '../helpers/wait.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'seamline-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  dashboard: string;
  stdout: () => string;
}

async function start(): Promise<Started> {
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--mqtt-port', '0', '--http-port', '0', '--data-dir', dataDir, '--rate', '20', '--log-level', 'warn'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.resume();
  // The banner arrives in as many chunks as the pipe likes: wait for its last line before reading it.
  await waitFor(() => /Press Ctrl-C to stop/.test(out), 20_000, 'the start banner');
  const dashboard = /dashboard\s+(http:\/\/\S+)/.exec(out)![1];
  return { child, dashboard, stdout: () => out };
}

async function stop(s: Started): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGINT');
  return { code: await exited, ms: Date.now() - t0 };
}

async function storedEvents(): Promise<{ events: number; detections: number; firstPerCamera: number[] }> {
  const rows = await fetch(`${current!.dashboard}/api/overview?minutes=5`).then((r) => r.json());
  return {
    events: rows.totals.events,
    detections: rows.totals.detections,
    firstPerCamera: rows.cameras.map((c: { events: number }) => c.events),
  };
}

let current: Started | undefined;

// How soon is a figure of the machine, not a behaviour: it took 22 s once at load 27 on 2 cores (about 10 s at
// load 10), so the test waits up to 45 s and reports the time instead of failing a busy machine on it.
test('npm start shows detections from all six simulated cameras and the inference camera on the dashboard', {
  timeout: 60_000,
}, async (t) => {
  const t0 = Date.now();
  current = await start();
  await waitFor(
    async () => {
      const s = await storedEvents().catch(() => undefined);
      return s !== undefined && s.firstPerCamera.length === 7 && s.firstPerCamera.every((n) => n > 0);
    },
    45_000 - (Date.now() - t0),
    'events from six simulated cameras and conveyor-1',
  );
  t.diagnostic(`all seven cameras on the dashboard ${Date.now() - t0} ms after npm start`);
  assert.match(current.stdout(), /inference\s+conveyor-1: the bundled model \(models\/seamline-conveyor\.onnx\)/);
  const page = await fetch(current.dashboard).then((r) => r.text());
  assert.match(page, /<title>[^<]*Seamline/i);
});

test('Ctrl-C stops everything within 10 seconds with exit code 0', { timeout: 60_000 }, async () => {
  const { code, ms } = await stop(current!);
  assert.equal(code, 0);
  assert.ok(ms < 10_000, `took ${ms} ms`);
  assert.match(current!.stdout(), /stopped: \d+ events/);
});

test('the conveyor camera left evidence images beside the DuckDB file, and only it (the simulated cameras run no model)', {
  timeout: 10_000,
}, () => {
  const root = join(dataDir, 'seamline.duckdb.evidence');
  const images = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jpg'));
  assert.ok(images.length >= 1, `no image under ${root}`);
  for (const image of images) assert.match(image, /\/site-1\/conveyor-1\/\d{4}-\d{2}-\d{2}\/\d{13}_[0-9a-f-]{36}\.jpg$/);
});

test("after a restart every camera's stored seq runs from 1 without a gap or a duplicate", { timeout: 60_000 }, async () => {
  current = await start();
  await waitFor(async () => ((await storedEvents().catch(() => undefined))?.events ?? 0) > 0, 20_000, 'events after restart');
  await new Promise((r) => setTimeout(r, 2_000));
  const { code } = await stop(current);
  assert.equal(code, 0);

  const db = await DuckDBInstance.create(join(dataDir, 'seamline.duckdb'));
  const conn = await db.connect();
  const rows = (
    await conn.runAndReadAll(
      `SELECT camera, min(seq) AS lo, max(seq) AS hi, count(DISTINCT seq) AS seqs, count(*) AS n, count(DISTINCT event_id) AS ids
       FROM events GROUP BY camera ORDER BY camera`,
    )
  ).getRowObjects();
  conn.closeSync();
  db.closeSync();
  assert.equal(rows.length, 7, 'six simulated cameras and conveyor-1');
  for (const r of rows) {
    const [lo, hi, seqs, n, ids] = [r.lo, r.hi, r.seqs, r.n, r.ids].map(Number);
    assert.equal(lo, 1, `${r.camera} starts at seq 1, the bridge's first`);
    // Outboxes drain oldest first, so anything still unsent at the stop is at the top of the range, not a hole.
    assert.equal(seqs, hi - lo + 1, `${r.camera} has no hole in its seq range`);
    assert.equal(n, ids, `${r.camera} stored no event twice`);
    assert.equal(n, seqs, `${r.camera} stored one event per seq`);
  }
});

/**
 * `seamline edge` without a model: the images HTTP and stdin records carry go the evidence path (issue 25), on
 * real parts: Mosquitto, `seamline edge` processes, `seamline consumer` into the folder beside its DuckDB file.
 * Every kept image is stored once with its event's id, seq and boxes; a bad image costs nothing of its event and is
 * counted in the heartbeat's evidence_refused and /metrics; `--no-evidence` answers `off`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { killWithUs } from '../../src/plumbing/children.ts';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { evidenceDirFor } from '../../src/store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { H, jpeg, png, record, W } from '../edge/inputs/support.ts';
import { collect, tempDir } from '../edge/support.ts';
import { spawnConsumer } from '../helpers/consumer-process.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
let broker: RunningMosquitto;
const tmp = tempDir('seamline-edge-record-images-');

before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker?.close();
  tmp.cleanup();
});

type Answer = { event_id: string; seq: number; line?: number; evidence?: string; field?: string; reason?: string };

function edge(name: string, extra: string[], stdin: 'ignore' | 'pipe' = 'ignore') {
  const args = ['edge', '--url', broker.url, '--client-id', `edge-${name}`, '--camera', name, '--data-dir', `${tmp.dir}/${name}`];
  args.push('--heartbeat', '1', '--log-level', 'info', ...extra);
  const child = killWithUs(spawn(process.execPath, [BIN, ...args], { stdio: [stdin, 'pipe', 'pipe'] }));
  let log = '';
  let out = '';
  child.stderr!.on('data', (d) => (log += d));
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, log: () => log, out: () => out, exited };
}

const post = async (url: string, body: unknown): Promise<Answer> => {
  const res = await fetch(`${url}/detections`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return (await res.json()) as Answer;
};

test('seamline edge without a model: HTTP and stdin record images stored with their events; a bad one counted, its event kept', {
  timeout: 300_000,
}, async () => {
  const duckdb = `${tmp.dir}/plant.duckdb`;
  const httpPort = await freePort();
  const events = await collect(broker.url, { filter: 'vision/+/+/+/detection' });
  const statuses = await collect(broker.url, { filter: 'vision/+/+/+/status' });
  const consumer = await spawnConsumer(['--url', broker.url, '--store', duckdb, '--no-repair', '--client-id', 'rec-e2e']);
  const http = edge('cam-http', ['--http-port', String(httpPort), '--evidence-interval', '0']);
  const procs = [http];
  try {
    await waitFor(
      () => http.log().includes('edge bridge running'),
      60_000,
      `the HTTP edge to run: ${http.log().slice(-800)} ${http.out().slice(-800)} exit ${http.child.exitCode}`,
    );
    // Before any record carries an image: no image connection, heartbeats as an edge without evidence sends them.
    const heartbeat = () => statuses.statuses.map((s) => s.message).find((m) => m.camera === 'cam-http' && 'outbox_depth' in m);
    await waitFor(() => heartbeat() !== undefined, 30_000, 'a cam-http heartbeat');
    assert.equal('evidence_captured' in heartbeat()!, false, JSON.stringify(heartbeat()));
    assert.equal(http.log().includes('evidence publisher connected'), false);
    const url = `http://127.0.0.1:${httpPort}`;
    // A noise PNG: the body is over the 260 KiB a record without an image may take.
    const answers = [
      await post(url, record('scratch', await jpeg())),
      await post(url, record('dent', await png(W, H, true))),
      await post(url, record('crack', await png(W, H - 1))),
    ];
    assert.deepEqual(
      answers.map((a) => [a.evidence, a.field]),
      [
        ['kept', undefined],
        ['kept', undefined],
        ['refused', 'image'],
      ],
    );
    const stdin = edge('cam-stdin', ['--http-port', '-1', '--stdin'], 'pipe');
    procs.push(stdin);
    const lines = [record('scratch', await png()), record('scratch', await jpeg()), record('hole', 'bm90IGFuIGltYWdl')];
    stdin.child.stdin!.end(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    await waitFor(() => stdin.child.exitCode !== null, 60_000, `the stdin edge to exit: ${stdin.log().slice(-1500)}`);
    assert.equal(await stdin.exited, 0, stdin.log().slice(-1500));
    const piped = stdin
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Answer)
      .sort((a, b) => a.line! - b.line!);
    // The second scratch within the default interval: skipped by the policy, never decoded.
    assert.deepEqual(
      piped.map((a) => [a.line, a.evidence, a.field]),
      [
        [1, 'kept', undefined],
        [2, 'skipped', undefined],
        [3, 'refused', 'image'],
      ],
    );

    const off = edge('cam-off', ['--http-port', '0', '--no-evidence']);
    procs.push(off);
    await waitFor(() => off.log().includes('edge bridge running'), 60_000, 'the --no-evidence edge to run');
    const offPort = Number(/"http":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(off.log())![1]);
    // A body over 260 KiB: with evidence off the limit still makes room for an image, so the event is not refused.
    const offAnswer = await post(`http://127.0.0.1:${offPort}`, record('scratch', await png(W, H, true)));
    assert.equal(offAnswer.evidence, 'off');

    await events.waitFor(7, 20_000);
    for (const a of [...answers, ...piped, offAnswer]) assert.ok(events.byId.has(a.event_id), `event ${a.event_id} published`);
    const beat = () =>
      statuses.statuses
        .map((s) => s.message)
        .find((m) => m.camera === 'cam-http' && Number(m.evidence_refused) === 1 && Number(m.evidence_acked) === 2);
    await waitFor(() => beat() !== undefined, 15_000, 'a cam-http heartbeat: 2 acked, 1 refused');
    assert.equal(beat()!.evidence_captured, 2);
    assert.ok(http.log().includes('evidence publisher connected'), 'the image connection opened at the first image kept');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /seamline_edge_evidence_record_images_total\{client_id="edge-cam-http",outcome="refused"\} 1/);
    assert.match(metrics, /seamline_edge_evidence_record_images_total\{client_id="edge-cam-http",outcome="kept"\} 2/);
    http.child.kill('SIGTERM');
    off.child.kill('SIGTERM');
    await waitFor(() => http.child.exitCode !== null, 30_000, 'the HTTP edge to stop');
    assert.equal(await http.exited, 0);

    const kept = [answers[0], answers[1], piped[0]];
    const store = new DirectoryEvidenceStore({ dir: evidenceDirFor(duckdb), readOnly: true });
    await store.open();
    await waitFor(async () => (await store.list({ limit: 100 })).length >= 3, 30_000, '3 images stored');
    const stored = await store.list({ limit: 100 });
    assert.deepEqual(stored.map((e) => e.header.event_id).sort(), kept.map((a) => a.event_id).sort(), 'each kept image stored once');
    for (const { header } of stored) {
      const event = events.byId.get(header.event_id)!;
      assert.equal(header.seq, event.seq);
      assert.equal(header.camera, event.camera);
      assert.deepEqual(header.detections, event.detections);
      assert.deepEqual(header.frame, { width: W, height: H });
    }
    await store.close();
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    consumer.child.kill('SIGTERM');
    await consumer.exited;
    await Promise.all([events.close(), statuses.close()]);
  }
});

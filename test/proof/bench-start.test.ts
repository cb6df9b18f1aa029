import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { RatedFigure } from '../../src/proof/bench/start/figure.ts';
import { runStartBench } from '../../src/proof/bench/start/start-bench.ts';
import { startLines } from '../../src/proof/bench/start/start-lines.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const RUNS = 2;

test('bench start: cold starts, consumer and bridge restarts, each a measured number beside node -e 0, from compiled dist/', {
  timeout: 180_000,
}, async (t) => {
  // The CLI runs compiled only from a fresh dist/: build it first, as the test command does.
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const lines: string[] = [];
  const r = await runStartBench({ runs: RUNS, rate: 500, seconds: 4, progress: (l) => lines.push(l) });
  assert.equal(r.compiled, true, 'bin/seamline.js ran dist/');
  assert.equal(r.runs, RUNS);

  const node = r.node_baseline_ms;
  const rated: [string, RatedFigure][] = [
    ['help', r.cold_start_ms.help],
    ['detect_help', r.cold_start_ms.detect_help],
    ['restart_to_first_commit', r.restart_to_first_commit_ms],
    ['restart_to_accept', r.restart_to_accept_ms],
  ];
  for (const [name, f] of [['node', node] as const, ...rated]) {
    assert.equal(f.runs.length, RUNS, `${name}: one time per run`);
    // A process of ours cannot start and do its work in under a millisecond, nor take minutes here.
    for (const ms of f.runs) assert.ok(Number.isFinite(ms) && ms > 1 && ms < 120_000, `${name}: ${ms} ms`);
    assert.ok(f.min <= f.median && f.median <= f.max, `${name}: min <= median <= max`);
    assert.ok(f.runs.includes(f.median), `${name}: the median is one of the runs`);
  }
  for (const [name, f] of rated) assert.ok(Math.abs(f.ratio_to_node - f.median / node.median) < 0.01, `${name}: ratio ${f.ratio_to_node}`);
  // A restart does more than print help: it opens a store or an outbox and connects to the broker.
  assert.ok(r.restart_to_first_commit_ms.median > node.median, 'a consumer restart takes longer than node -e 0');

  // The consumer restarts really committed: every event published is in the store, once.
  const c = r.consumer;
  assert.equal(c.published, RUNS * 500 * 4, 'each run published all it was given');
  assert.equal(c.stored.distinct, c.published, 'every published event stored');
  assert.equal(c.stored.rows, c.published, 'none stored twice');
  assert.equal(c.stored.deadLetters, 0);
  for (const ms of c.running_ms.runs) assert.ok(Number.isFinite(ms) && ms > 1, `consumer running ${ms} ms after its spawn`);

  // The bridge answered a real record in each life, and the events reached the broker.
  const answers = r.bridge.answers;
  assert.equal(answers.length, RUNS + 1, 'one answer per life (the first, untimed, creates the outbox)');
  for (const a of answers) assert.match(a.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(
    answers.map((a) => a.seq),
    answers.map((_, i) => answers[0].seq + i),
    'seq goes on across the restarts',
  );
  assert.equal(r.bridge.arrived, answers.length, 'every answered event reached the broker');

  assert.equal(lines.filter((l) => l.startsWith('consumer restart ')).length, RUNS);
  assert.equal(lines.filter((l) => l.startsWith('bridge restart ')).length, RUNS);
  const table = startLines(r);
  for (const line of table) t.diagnostic(line);
  for (const label of ['node -e 0', 'seamline --help', 'seamline detect --help', 'consumer restart', 'bridge restart'])
    assert.ok(
      table.some((l) => l.startsWith(label)),
      `a row for ${label}`,
    );
});

/**
 * `seamline bench consumer --store`: the same ceiling-paired rounds into PostgreSQL, InfluxDB and
 * VictoriaMetrics, each server started by the bench itself (a missing binary fails the test), every event
 * published counted back out of the store, and a CPU profile of where the consumer runs spent their time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { isSeamError } from '../../src/contract/index.ts';
import { runConsumerBench, type ConsumerBenchResult } from '../../src/proof/bench/consumer/consumer-bench.ts';
import { placeOf } from '../../src/proof/bench/consumer/cpu-profile.ts';
import { summarizeProfile } from '../../src/proof/bench/consumer/profile-summary.ts';

const EVENTS = 3_000;
const LAG = { lagRate: 1_000, lagSeconds: 1 };

function assertMeasured(r: ConsumerBenchResult, store: string, profiled = true): void {
  const shown = JSON.stringify({ ...r, profile: undefined });
  assert.equal(r.store, store);
  // The round, the warm-up (min(events, 50,000)) and the profiled run, then the paced phase (consumer/rounds.ts).
  assert.equal(r.published, (profiled ? 3 : 2) * EVENTS + LAG.lagRate * LAG.lagSeconds);
  assert.equal(r.stored, r.published, `every published event counted in the store: ${shown}`);
  assert.equal(r.duplicates, 0);
  assert.equal(r.dead_lettered, 0);
  assert.ok(r.ratio > 0 && r.ratio_by_round.length === 1 && r.ceiling_per_s > 0 && r.events_per_s > 0, shown);
  assert.ok(r.cpu_us_per_event > 0, shown);
  if (!profiled) return assert.equal(r.profile, undefined, 'no profiled run');
  const p = r.profile!;
  assert.ok(p, 'profiled by default');
  assert.ok(p.busy_ms > 0 && p.functions.length > 0, JSON.stringify(p));
  // Each share is rounded to 4 decimals, so a sum may pass 1 by half a unit of the last place per share.
  const rounding = (n: number) => 1 + 0.00005 * n;
  const sum = p.functions.reduce((n, f) => n + f.self_share, 0);
  assert.ok(sum > 0 && sum <= rounding(p.functions.length), `the top functions' shares sum to ${sum}`);
  const boxes = p.by_box.reduce((n, b) => n + b.self_share, 0);
  assert.ok(boxes <= rounding(p.by_box.length), `the boxes' shares sum to ${boxes}: ${JSON.stringify(p.by_box)}`);
  const named = (prefix: string) => [
    ...p.functions.filter((f) => f.file.startsWith(prefix)).map((f) => f.function),
    ...p.by_box.filter((b) => b.box.startsWith(prefix)).map((b) => b.top_function),
  ];
  assert.ok(named('src/consumer/').length > 0, `the profile names a src/consumer/ function: ${JSON.stringify(p.by_box)}`);
  // The line-protocol stores encode on this thread; PostgreSQL's client work is a few array literals, which CI
  // once saw under the half percent a box needs to be listed, so only the encoders are required.
  if (store === 'postgres') return;
  assert.ok(named('src/store/').length > 0, `the profile names a src/store/ function: ${JSON.stringify(p.by_box)}`);
}

for (const store of ['postgres', 'influxdb', 'victoriametrics'] as const) {
  test(`bench consumer --store ${store}: the bench starts it, stores every event, profiles the runs`, { timeout: 60_000 }, async () => {
    const r = await runConsumerBench({ events: EVENTS, rounds: 1, ...LAG, store, progress: () => {} });
    assertMeasured(r, store);
  });
}

test('bench consumer --no-profile into DuckDB: the warm-up and the round stored, no profiled run, only the round in the ratio', {
  timeout: 60_000,
}, async () => {
  const r = await runConsumerBench({ events: EVENTS, rounds: 1, ...LAG, profile: false, progress: () => {} });
  assertMeasured(r, 'duckdb', false);
});

test('--evidence-rate with a server store is refused before anything starts, naming the flag', async () => {
  await assert.rejects(
    runConsumerBench({ events: EVENTS, rounds: 1, ...LAG, evidenceRate: 5, store: 'postgres', progress: () => {} }),
    (err) => isSeamError(err) && err.code === 'SEAM_ERR_CONFIG' && err.message.includes('--evidence-rate'),
  );
});

test('bench --help describes --store and its choices', { timeout: 30_000 }, () => {
  const help = spawnSync(process.execPath, ['bin/seamline.js', 'bench', '--help'], { encoding: 'utf8' }).stdout;
  assert.match(help, /--store <kind>/);
  for (const kind of ['duckdb', 'postgres', 'influxdb', 'victoriametrics']) assert.ok(help.includes(`"${kind}"`), help);
});

test('profile places: src folders, npm packages (scoped too), Node, V8; shares of the busy time', () => {
  const root = new URL('../../', import.meta.url).href;
  assert.deepEqual(placeOf(`${root}src/store/line-protocol/encode.ts`, 'encodePoint'), {
    file: 'src/store/line-protocol/encode.ts',
    box: 'src/store/line-protocol',
  });
  assert.equal(placeOf(`${root}node_modules/pg/lib/utils.js`, 'f').box, 'node_modules/pg');
  assert.equal(placeOf(`${root}node_modules/@duckdb/node-api/lib/x.js`, 'f').box, 'node_modules/@duckdb/node-api');
  assert.equal(placeOf('node:buffer', 'concat').box, 'node');
  assert.equal(placeOf('', '(garbage collector)').box, '(garbage collector)');
  assert.equal(placeOf('', 'validate11').box, '(native or eval)');
  const s = summarizeProfile(
    [
      { fn: 'a', file: 'src/x/a.ts', box: 'src/x', us: 600 },
      { fn: 'b', file: 'node_modules/p/b.js', box: 'node_modules/p', us: 200 },
      { fn: '(garbage collector)', file: '', box: '(garbage collector)', us: 200 },
      { fn: '(idle)', file: '', box: '(idle)', us: 1000 },
    ],
    1000,
  );
  assert.equal(s.busy_ms, 1);
  assert.equal(s.idle_share_of_sampled, 0.5);
  assert.deepEqual(
    s.functions.map((f) => [f.function, f.self_share]),
    [
      ['a', 0.6],
      ['b', 0.2],
      ['(garbage collector)', 0.2],
    ],
  );
  assert.deepEqual([s.src_share, s.node_modules_share, s.gc_share], [0.6, 0.2, 0.2]);
  assert.equal(s.by_box[0].top_function, 'a');
});

/**
 * `seamline consumer` against stores that are away or wrong, as a supervisor would run it: a store that does
 * not answer is waited for (at start-up as mid-stream), and says so on /health; a store that is wrong for
 * good (credentials, database, privileges) ends the process with exit 2, also when it arrives on the very
 * first batch after a restart, so that nothing is alive and idle.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import pg from 'pg';
import { killWithUs } from '../../src/plumbing/children.ts';
import { freePort } from '../../src/proof/services/free-port.ts';
import { startInfluxDb, type RunningInfluxDb } from '../../src/proof/services/influxdb.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { startVictoriaMetrics, VICTORIA_METRICS_FLAGS, type RunningVictoriaMetrics } from '../../src/proof/services/victoria-metrics.ts';
import { storeConfigFromUrl } from '../../src/store/config.ts';
import { createStore } from '../../src/store/registry/registry.ts';
import { makeEvents } from '../helpers/events.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const AUTH = { username: 'seamline', password: 'right-horse-battery' };
const dir = mkdtempSync(join(tmpdir(), 'seamline-store-faults-'));
let broker: RunningMosquitto;
let postgres: RunningPostgres;
let influx: RunningInfluxDb;
let vm: RunningVictoriaMetrics;

before(async () => {
  [broker, postgres, influx, vm] = await Promise.all([
    startMosquitto(),
    startPostgres(),
    startInfluxDb({ auth: AUTH }),
    startVictoriaMetrics([...VICTORIA_METRICS_FLAGS, `-httpAuth.username=${AUTH.username}`, `-httpAuth.password=${AUTH.password}`]),
  ]);
});
after(async () => {
  await Promise.all([broker?.close(), postgres?.stop(), influx?.stop(), vm?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Proc {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
  metricsPort: number;
}

let runs = 0;

/** `seamline consumer` with /metrics on a port of its own; repair off unless `repair` (it starts slower). */
async function consumer(store: string, clientId: string, group: string, repair = false): Promise<Proc> {
  const metricsPort = await freePort();
  const args = [
    BIN,
    'consumer',
    '--url',
    broker.url,
    '--store',
    store,
    '--client-id',
    clientId,
    '--group',
    group,
    '--metrics-port',
    String(metricsPort),
    '--log-level',
    'info',
  ];
  if (!repair) args.push('--no-repair');
  const child = killWithUs(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, log: () => log, exited, metricsPort };
}

async function health(p: Proc): Promise<{ code: number; status?: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${p.metricsPort}/health`);
    return { code: res.status, status: ((await res.json()) as { status: string }).status };
  } catch {
    return { code: 0 };
  }
}

async function metric(p: Proc, name: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

async function publish(camera: string, count: number, seq = 0): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: `faults-pub-${camera}-${seq}` });
  const events = makeEvents(count, { site: 'faults', camera, seq });
  await Promise.all(events.map((e) => client.publishAsync(`vision/eu/faults/${camera}/detection`, JSON.stringify(e), { qos: 1 })));
  await client.endAsync();
}

async function storedEvents(url: string, camera: string): Promise<number> {
  const store = await createStore({ ...storeConfigFromUrl(url), readOnly: true });
  await store.open();
  try {
    return (await store.cameras()).find((c) => c.site === 'faults' && c.camera === camera)?.events ?? 0;
  } finally {
    await store.close();
  }
}

/**
 * The whole restart-during-an-outage story for one store: a consumer that has joined its group stops, the
 * store goes away, events queue at the broker, the consumer comes back while the store is still away
 * (it must wait, alive, and say so), then the store returns and every queued event is stored.
 */
async function restartDuringOutage(url: string, down: () => Promise<void>, up: () => Promise<void>): Promise<void> {
  const id = `outage-${++runs}`;
  const camera = `c-${runs}`;
  const first = await consumer(url, id, id);
  await waitFor(() => first.log().includes('consumer running'), 30_000, 'the first consumer running');
  await stop(first);
  await down();
  await publish(camera, 200);
  const second = await consumer(url, id, id);
  try {
    await waitFor(async () => (await health(second)).status === 'waiting_for_store', 30_000, '/health saying waiting_for_store');
    assert.equal((await health(second)).code, 503, 'not healthy while it waits');
    assert.equal(await metric(second, 'seamline_consumer_healthy'), 0);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(second.child.exitCode, null, `still running while the store is away: ${second.log().slice(-500)}`);
    assert.match(second.log(), /the store does not answer; waiting for it/);
    await up();
    await waitFor(async () => (await health(second)).code === 200, 60_000, '/health 200 once the store is back');
    // A failure here says what the consumer said (CI saw it healthy and not committing, once in several runs).
    await waitFor(
      async () => (await metric(second, 'seamline_consumer_committed_events_total')) >= 200,
      60_000,
      'the queued events committed',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the consumer's log ends: ${second.log().slice(-3000)}`);
    });
  } finally {
    await stop(second);
  }
  assert.equal(await storedEvents(url, camera), 200, 'every queued event stored once');
}

test('PostgreSQL away when the consumer starts: it waits, unaided, and ingests what queued once the database is back', {
  timeout: 180_000,
}, async () => {
  await restartDuringOutage(
    postgres.url,
    () => postgres.crash(),
    () => postgres.start(),
  );
});

test('InfluxDB away when the consumer starts: it waits and ingests once the server is back', { timeout: 180_000 }, async () => {
  const url = `influxdb+http://${AUTH.username}:${AUTH.password}@${influx.url.replace('http://', '')}`;
  await restartDuringOutage(
    url,
    () => influx.crash(),
    () => influx.start(),
  );
});

test('VictoriaMetrics away when the consumer starts: it waits and ingests once the server is back', { timeout: 180_000 }, async () => {
  const url = `victoriametrics+http://${AUTH.username}:${AUTH.password}@${vm.url.replace('http://', '')}`;
  await restartDuringOutage(
    url,
    () => vm.crash(),
    () => vm.start(),
  );
});

test('DuckDB file held by another process when the consumer starts: it waits and ingests once the file is free', {
  timeout: 180_000,
}, async () => {
  const file = join(dir, 'held.duckdb');
  let holder: ChildProcess | undefined;
  const hold = async () => {
    const script = `import { DuckDbStore } from ${JSON.stringify(new URL('../../src/store/duckdb/store.ts', import.meta.url).pathname)};
      const s = new DuckDbStore({ path: ${JSON.stringify(file)} }); await s.open(); console.log('holding'); setInterval(() => {}, 1000);`;
    holder = killWithUs(
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }),
    );
    let out = '';
    holder.stdout!.on('data', (d) => (out += d));
    await waitFor(() => out.includes('holding'), 30_000, 'another process holding the file');
  };
  const release = async () => {
    holder!.kill('SIGKILL');
    await new Promise((r) => holder!.once('exit', r));
  };
  await restartDuringOutage(file, hold, release);
});

test('a store that is wrong for good stops the consumer with exit 2 and names it: each store', { timeout: 120_000 }, async () => {
  const notDuckDb = join(dir, 'not-a-database.duckdb');
  writeFileSync(notDuckDb, 'this is not a DuckDB file\n'.repeat(100));
  const host = (url: string) => url.replace('http://', '');
  const cases: [string, string, RegExp][] = [
    [
      'postgres, a role that does not exist',
      postgres.url.replace('seamline@', 'nobody@'),
      /SEAM_ERR_CONFIG: postgres open .* failed for good \(28000\)/,
    ],
    [
      'postgres, a database that does not exist',
      postgres.url.replace(/\/postgres$/, '/no_such_db'),
      /SEAM_ERR_CONFIG: postgres open .* failed for good \(3D000\)/,
    ],
    [
      'influxdb, a wrong password',
      `influxdb+http://${AUTH.username}:wrong@${host(influx.url)}`,
      /SEAM_ERR_CONFIG: influxdb .* answered 401/,
    ],
    [
      'victoriametrics, a wrong password',
      `victoriametrics+http://${AUTH.username}:wrong@${host(vm.url)}`,
      /SEAM_ERR_CONFIG: victoriametrics .* answered 401/,
    ],
    ['duckdb, a file that is not a database', notDuckDb, /SEAM_ERR_CONFIG: cannot open DuckDB file/],
  ];
  for (const [what, url, expected] of cases) {
    const p = await consumer(url, `wrong-${++runs}`, `wrong-${runs}`);
    const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
    if (code === 'still running') await stop(p);
    assert.equal(code, 2, `${what}: exit 2 (${p.log().slice(-400)})`);
    assert.match(p.log(), expected, what);
    assert.ok(!p.log().includes('wrong@') && !p.log().includes(':wrong'), `${what}: no password in the log`);
  }
});

test('privileges revoked mid-stream: exit 2; restarted onto the redelivered batch it exits again; granted back, nothing lost', {
  timeout: 180_000,
}, async () => {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE ROLE writer LOGIN`);
  await admin.query(`CREATE DATABASE writer_db OWNER writer`);
  await admin.end();
  const url = postgres.url.replace('seamline@', 'writer@').replace(/\/postgres$/, '/writer_db');
  const asAdmin = async (sql: string) => {
    const c = new pg.Client({ connectionString: postgres.url.replace(/\/postgres$/, '/writer_db') });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  const id = 'revoked';
  const first = await consumer(url, id, id);
  await waitFor(() => first.log().includes('consumer running'), 30_000, 'the consumer running');
  await publish('r-1', 50);
  await waitFor(async () => (await metric(first, 'seamline_consumer_committed_events_total')) >= 50, 30_000, 'the first 50 stored');
  await asAdmin('REVOKE INSERT ON events FROM writer');
  await publish('r-1', 10, 50);
  assert.equal(await first.exited, 2, first.log().slice(-800));
  assert.match(first.log(), /SEAM_ERR_CONFIG: postgres failed a write of a known-good event too.*\(42501\)/);

  // Restarted as a supervisor would, with repair on as by default (its ledger opens after the session has
  // joined): the broker redelivers the batch at once, it fails for good before the start is done, and the
  // process must still end, not sit alive with nothing ingested.
  const again = await consumer(url, id, id, true);
  const code = await Promise.race([again.exited, new Promise((r) => setTimeout(() => r('still running'), 60_000))]);
  if (code === 'still running') await stop(again);
  assert.equal(code, 2, `restarted onto the refused batch: ${again.log().slice(-800)}`);
  assert.equal(await storedEvents(url, 'r-1'), 50);

  await asAdmin('GRANT INSERT ON events TO writer');
  const fixed = await consumer(url, id, id);
  try {
    await waitFor(async () => (await storedEvents(url, 'r-1')) === 60, 60_000, 'the 10 held by the broker stored once the grant is back');
    assert.equal((await health(fixed)).code, 200);
  } finally {
    await stop(fixed);
  }
});

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { isSeamError } from '../../src/contract/index.ts';
import { makeEvents } from '../helpers/events.ts';
import { newRange } from '../../src/store/sql/repair-ledger.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import { makeEvidence } from '../store/evidence/evidence-fixtures.ts';
import { dashboardProcess } from '../helpers/seamline-cli.ts';

const TOKEN = 'a-long-enough-test-token-0123';
let dir: string;
let postgres: RunningPostgres;
const children: ChildProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seamline-dash-cli-'));
  postgres = await startPostgres();
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `seamline dashboard ...` on a free port (test/helpers/seamline-cli.ts); its URL once it says where it listens. */
async function dashboard(args: string[], env: Record<string, string> = {}): Promise<{ url: string; log: () => string }> {
  const { url, log, child } = await dashboardProcess(args, env);
  children.push(child);
  return { url, log };
}

const events = (n: number) => makeEvents(n, { camera: 'cam-7', site: 'site-3' }, Date.now() - 10 * 60_000, 1_000);

test('seamline dashboard serves the panels of a DuckDB file read-only, and a read-only store refuses writes', {
  timeout: 60_000,
}, async () => {
  const path = join(dir, 'plant.duckdb');
  const store = new DuckDbStore({ path });
  await store.open();
  await store.write(events(300), new Date());
  await store.close();
  const { url, log } = await dashboard(['--store', path, '--log-format', 'json']);
  const body = (await (await fetch(`${url}/api/panels?range=15m`)).json()) as { cameras: { key: string; events: number }[] };
  assert.deepEqual(
    body.cameras.map((c) => [c.key, c.events]),
    [['eu/site-3/cam-7', 300]],
  );
  assert.match(log(), /^\{.*"msg":"dashboard running"/m, 'JSON log lines with --log-format json');
  const ro = new DuckDbStore({ path: join(dir, 'plant.duckdb'), readOnly: true });
  await ro.open();
  await assert.rejects(ro.write(events(1), new Date()), (e) => isSeamError(e, 'SEAM_ERR_CONFIG') && /read-only/.test(e.message));
  await ro.close();
});

test("seamline dashboard --evidence-dir shows the images a consumer kept in a folder of its own; without it, the store's own (none)", {
  timeout: 60_000,
}, async () => {
  const path = join(dir, 'elsewhere.duckdb');
  const store = new DuckDbStore({ path });
  await store.open();
  await store.write(events(5), new Date());
  await store.close();
  const folder = join(dir, 'images-elsewhere');
  const images = new DirectoryEvidenceStore({ dir: folder });
  await images.open();
  const kept = await makeEvidence(3, { camera: 'cam-7', site: 'site-3' });
  for (const e of kept) await images.put(e, new Date());
  await images.close();
  const listed = async (args: string[]) => {
    const { url } = await dashboard(['--store', path, ...args]);
    return (await (await fetch(`${url}/api/evidence`)).json()) as { enabled: boolean; items: { event_id: string }[] };
  };
  const withDir = await listed(['--evidence-dir', folder]);
  assert.deepEqual(
    withDir.items.map((i) => i.event_id),
    kept.map((e) => e.header.event_id).reverse(),
    'newest first, every image in the folder',
  );
  const without = await listed([]);
  assert.deepEqual(without.items, [], 'the folder beside the DuckDB file is empty');
});

test('seamline dashboard over PostgreSQL requires its access token when one is set, and the link sets a cookie', {
  timeout: 60_000,
}, async () => {
  const store = new PostgresStore({ url: postgres.url });
  await store.open();
  await store.write(events(120), new Date());
  await store.close();
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const { url, log } = await dashboard(['--store', postgres.url, '--token-file', tokenFile, '--log-format', 'pretty']);
  assert.equal((await fetch(`${url}/api/panels?range=15m`)).status, 401);
  assert.equal((await fetch(`${url}/api/panels?range=15m`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 401);
  const bearer = await fetch(`${url}/api/panels?range=15m`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(bearer.status, 200);
  const first = (await bearer.json()) as { cameras: { events: number; lost: number | null }[]; repair: unknown };
  assert.equal(first.cameras[0].events, 120);
  // No consumer made a repair ledger: no figure (—), not 0, and the read-only dashboard created none.
  assert.deepEqual([first.repair, first.cameras[0].lost], [null, null]);
  const probe = new PostgresStore({ url: postgres.url, readOnly: true });
  await probe.open();
  assert.equal(await probe.capabilities.repairLedger.summary(), null);
  await probe.close();
  // Once a consumer has one, the same dashboard reads it.
  const consumer = new PostgresStore({ url: postgres.url });
  await consumer.open();
  const ledger = await consumer.capabilities.repairLedger.open();
  const now = Date.now();
  const cam = {
    region: 'eu',
    site: 'plant-1',
    camera: 'cam-1',
    incarnation: 'i',
    incarnationStartedMs: now,
    watermark: 0,
    scannedToMs: now,
    ackedThrough: 0,
    announcedAtMs: now,
    owner: 't',
    leaseUntilMs: now + 60_000,
  };
  await ledger.insertCamera(cam);
  await ledger.update('t', now, cam, [
    newRange({
      ...cam,
      from: 500,
      to: 502,
      state: 'lost',
      reason: 'dropped',
      detectedAtMs: now - 5_000,
      attempts: 1,
      nextAttemptMs: now,
      resolvedAtMs: now - 1_000,
    }),
  ]);
  await consumer.close();
  const later = (await (await fetch(`${url}/api/panels?range=15m`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
    repair: unknown;
  };
  assert.deepEqual(later.repair, { repairing: 0, repaired: 0, lost: 3, lostReasons: { dropped: 3 } });
  const link = await fetch(`${url}/?token=${TOKEN}&range=1h`, { redirect: 'manual' });
  assert.equal(link.status, 303);
  assert.equal(link.headers.get('location'), '/?range=1h', 'the token leaves the address');
  const cookie = link.headers.get('set-cookie')!.split(';')[0];
  assert.equal((await fetch(`${url}/api/panels?range=1h`, { headers: { cookie } })).status, 200);
  assert.equal((await fetch(`${url}/healthz`)).status, 200, 'health checks need no token');
  assert.ok(!log().includes(TOKEN), 'the token is never logged');
  assert.doesNotMatch(log(), /^\{"level"/m, 'human-readable lines with --log-format pretty');
  assert.match(log(), /dashboard running/);
});

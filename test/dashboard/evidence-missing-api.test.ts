/**
 * GET /api/evidence's `missing` on dashboards started on real evidence stores (a folder, then a real PostgreSQL
 * from initdb): per camera of the query, the images its edge queue numbered that never reached the store, all
 * its streams summed, only cameras missing some; the same whatever the time window; [] when nothing is missing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { DirectoryEvidenceStore } from '../../src/store/evidence/directory-store.ts';
import type { EvidenceStore } from '../../src/store/evidence/evidence-store.ts';
import { PostgresEvidenceStore } from '../../src/store/evidence/postgres-store.ts';
import { HOLES, seedImages, WHOLE } from './image-gaps-seed.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const NOW = T0 + 3_600_000;
const ALL = [
  { camera: 'eu/plant-1/cam-01', missing: 5 },
  { camera: 'eu/plant-2/cam-01', missing: 4 },
];

/** The API's answers over a store holding HOLES and another holding WHOLE, each behind its own dashboard. */
function missingOver(kind: string, open: (name: string) => Promise<EvidenceStore>, close: () => Promise<void>) {
  describe(`GET /api/evidence missing, over the ${kind} evidence store`, () => {
    let reader: DuckDbStore;
    const stores: EvidenceStore[] = [];
    const dashes: Dashboard[] = [];

    before(
      async () => {
        reader = new DuckDbStore({ path: ':memory:' });
        await reader.open();
        for (const [name, plan] of [
          ['holes', HOLES],
          ['whole', WHOLE],
        ] as const) {
          const store = await open(name);
          stores.push(store);
          await seedImages(store, plan, T0);
          dashes.push(await startDashboard({ reader, port: 0, now: () => NOW, evidence: store }));
        }
      },
      { timeout: 60_000 },
    );

    after(async () => {
      for (const d of dashes) await d.close();
      for (const s of stores) await s.close();
      await reader?.close();
      await close();
    });

    const missing = async (dash: Dashboard, q = '') => {
      const res = await fetch(`${dash.url}/api/evidence${q ? `?${q}` : ''}`);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.enabled, true);
      return body.missing;
    };

    test('every camera: those missing images, their streams summed, by camera key', { timeout: 30_000 }, async () => {
      assert.deepEqual(await missing(dashes[0]), ALL);
      // A count since the cameras started numbering, not of the window: a window with no image says the same.
      assert.deepEqual(await missing(dashes[0], `from=${T0 - 7_200_000}&to=${T0 - 3_600_000}`), ALL);
    });

    test("the query's cameras only", { timeout: 30_000 }, async () => {
      assert.deepEqual(await missing(dashes[0], 'camera=eu/plant-2/cam-01'), [ALL[1]]);
      assert.deepEqual(await missing(dashes[0], 'camera=eu/plant-1/cam-02,eu/plant-1/cam-01'), [ALL[0]]);
      assert.deepEqual(await missing(dashes[0], 'camera=eu/plant-1/cam-02'), []);
      assert.deepEqual(await missing(dashes[0], 'camera=eu/plant-1/cam-03'), [], 'images without image_stream');
    });

    test('[] when every stream is complete', { timeout: 30_000 }, async () => {
      assert.deepEqual(await missing(dashes[1]), []);
      assert.deepEqual(await missing(dashes[1], 'camera=eu/plant-1/cam-01'), []);
    });
  });
}

let dir: string;
missingOver(
  'directory',
  async (name) => {
    dir ??= await mkdtemp(join(tmpdir(), 'seam-evmissing-'));
    const store = new DirectoryEvidenceStore({ dir: join(dir, name) });
    await store.open();
    return store;
  },
  async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  },
);

let server: RunningPostgres | undefined;
missingOver(
  'PostgreSQL',
  async (name) => {
    server ??= await startPostgres();
    const store = new PostgresEvidenceStore({ url: server.url, schema: `missing_${name}` });
    await store.open();
    return store;
  },
  async () => {
    await server?.stop();
  },
);

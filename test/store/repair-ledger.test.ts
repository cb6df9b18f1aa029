import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { newRange } from '../../src/store/sql/repair-ledger.ts';
import type { RepairCamera, RepairLedger, RepairLedgerAccess } from '../../src/store/repair-ledger.ts';
import type { DetectionStore } from '../../src/store/store.ts';
import { makeEvent } from '../helpers/events.ts';

let server: RunningPostgres;
let schemas = 0;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

type Opened = { store: DetectionStore & { capabilities: { repairLedger: RepairLedgerAccess } }; ledger: RepairLedger };
const BUILDERS: [string, () => Promise<Opened>][] = [
  [
    'duckdb',
    async () => {
      const store = new DuckDbStore({ path: ':memory:' });
      await store.open();
      return { store, ledger: await store.capabilities.repairLedger.open() };
    },
  ],
  [
    'postgres',
    async () => {
      const store = new PostgresStore({ url: server.url, schema: `ledger${++schemas}` });
      await store.open();
      return { store, ledger: await store.capabilities.repairLedger.open() };
    },
  ],
];

const CAM = { region: 'eu', site: 'plant-1', camera: 'cam-01' };
const T0 = Date.parse('2026-12-01T08:00:00.000Z');

function camera(overrides: Partial<RepairCamera> = {}): RepairCamera {
  return {
    ...CAM,
    incarnation: uuidv7(),
    incarnationStartedMs: T0,
    watermark: 0,
    scannedToMs: T0,
    ackedThrough: 0,
    announcedAtMs: T0,
    owner: 'consumer-a',
    leaseUntilMs: T0 + 30_000,
    ...overrides,
  };
}

for (const [name, build] of BUILDERS) {
  const withLedger = async (fn: (o: Opened) => Promise<void>) => {
    const o = await build();
    try {
      await fn(o);
    } finally {
      await o.store.close();
    }
  };

  test(`${name}: the ledger opens twice on one store and remembers when it began`, { timeout: 60_000 }, () =>
    withLedger(async ({ store, ledger }) => {
      const created = await ledger.createdAtMs();
      assert.ok(Math.abs(created - Date.now()) < 60_000);
      const again = await store.capabilities.repairLedger.open();
      assert.equal(await again.createdAtMs(), created);
    }),
  );

  test(
    `${name}: a camera has one repairer at a time; another takes it only once the lease expired, and the first can no longer write`,
    { timeout: 60_000 },
    () =>
      withLedger(async ({ ledger }) => {
        const c = camera();
        assert.equal(await ledger.insertCamera(c), true);
        assert.equal(await ledger.insertCamera({ ...c, owner: 'consumer-b' }), false, 'inserted once');
        assert.deepEqual((await ledger.claim('consumer-b', T0 + 1_000, 30_000)).length, 0, 'leased to a');
        assert.deepEqual(
          (await ledger.claim('consumer-a', T0 + 1_000, 30_000)).map((x) => x.owner),
          ['consumer-a'],
        );
        assert.equal(await ledger.update('consumer-b', T0 + 2_000, { ...c, watermark: 5 }, []), false, 'b cannot write');
        const later = T0 + 40_000;
        const won = await Promise.all([ledger.claim('consumer-b', later, 30_000), ledger.claim('consumer-c', later, 30_000)]);
        assert.equal(won[0].length + won[1].length, 1, 'exactly one of two racing repairers wins the expired lease');
        const winner = won[0].length === 1 ? 'consumer-b' : 'consumer-c';
        assert.equal(await ledger.update('consumer-a', later, { ...c, watermark: 5 }, []), false, 'the old owner is fenced off');
        assert.equal(await ledger.update(winner, later, { ...c, watermark: 5 }, []), true);
        assert.equal((await ledger.cameras())[0].watermark, 5);
        await ledger.release(winner);
        assert.equal((await ledger.claim('consumer-a', later + 1, 30_000)).length, 1, 'released leases are free at once');
      }),
  );

  test(`${name}: finds the holes among events committed in a window, counting only the camera's incarnation`, { timeout: 60_000 }, () =>
    withLedger(async ({ store, ledger }) => {
      const at = (seq: number) => makeEvent({ ...CAM, seq, captured_at: new Date(T0 + seq * 10).toISOString() });
      await store.write([1, 2, 3, 6, 7].map(at), new Date(T0 + 1_000));
      await store.write([9, 10].map(at), new Date(T0 + 2_000));
      // seq 4 and 8 of an older outbox incarnation, accepted a day earlier: not this incarnation's.
      const old = (seq: number) => ({ ...at(seq), event_id: uuidv7({ msecs: T0 - 86_400_000 }) });
      await store.write([old(4), old(8)], new Date(T0 + 1_500));
      const spans = await ledger.committedSince(T0, T0 + 1_800);
      assert.deepEqual(
        spans.map((s) => [s.lo, s.hi, s.seqs, s.rows]),
        [[1, 8, 7, 7]],
      );
      assert.equal(spans[0].lastCommittedMs, T0 + 2_000);
      const floor = T0 - 60_000;
      assert.deepEqual(await ledger.holes(CAM, 0, T0, T0 + 5_000, floor), {
        holes: [
          [4, 5],
          [8, 8],
        ],
        maxSeq: 10,
      });
      assert.deepEqual(
        await ledger.holes(CAM, 0, T0, T0 + 1_800, floor),
        { holes: [[4, 5]], maxSeq: 7 },
        'only what was committed by the cutoff',
      );
      assert.deepEqual(
        await ledger.holes(CAM, 6, T0 + 1_000, T0 + 5_000, floor),
        { holes: [[7, 8]], maxSeq: 10 },
        'from the watermark, since the last pass',
      );
      assert.deepEqual(await ledger.present(CAM, 2, 12, floor), [
        [2, 3],
        [6, 7],
        [9, 10],
      ]);
      assert.equal(await ledger.maxSeq(CAM, floor, T0 + 1_800), 7);
    }),
  );

  test(`${name}: a range is replaced by its pieces once, and the summary counts each state and reason`, { timeout: 60_000 }, () =>
    withLedger(async ({ ledger }) => {
      const c = camera();
      await ledger.insertCamera(c);
      const r = newRange({
        ...CAM,
        incarnation: c.incarnation,
        from: 10,
        to: 29,
        state: 'repairing',
        reason: null,
        detectedAtMs: T0,
        attempts: 1,
        nextAttemptMs: T0,
        resolvedAtMs: null,
      });
      assert.equal(await ledger.update('consumer-a', T0, c, [r]), true);
      const pieces = [
        newRange({ ...r, to: 14, state: 'repaired', resolvedAtMs: T0 + 7_000 }),
        newRange({ ...r, from: 15, to: 19, state: 'lost', reason: 'evicted', resolvedAtMs: T0 + 8_000 }),
        newRange({ ...r, from: 20, to: 29 }),
      ];
      assert.equal(await ledger.replace('consumer-a', T0 + 8_000, r, pieces), true);
      assert.equal(await ledger.replace('consumer-a', T0 + 8_000, r, pieces), false, 'already replaced: nothing counted twice');
      assert.deepEqual(
        (await ledger.ranges(CAM)).map((x) => [x.from, x.to, x.state, x.reason]),
        [
          [10, 14, 'repaired', null],
          [15, 19, 'lost', 'evicted'],
          [20, 29, 'repairing', null],
        ],
      );
      assert.deepEqual(
        (await ledger.repairing()).map((x) => [x.from, x.to]),
        [[20, 29]],
      );
      assert.deepEqual(await ledger.summary(), [
        { ...CAM, repairing: 10, stale: 10, repaired: 5, lost: { evicted: 5 }, oldestRepairingMs: T0, longestRepairMs: 7_000 },
      ]);
      assert.deepEqual(
        await ledger.summary(T0 + 7_500, T0 + 9_000, T0),
        [{ ...CAM, repairing: 10, stale: 0, repaired: 0, lost: { evicted: 5 }, oldestRepairingMs: T0, longestRepairMs: null }],
        'resolved in the window only',
      );
    }),
  );
}

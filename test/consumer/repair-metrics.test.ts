import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import { repairMetrics } from '../../src/consumer/repair/metrics.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { newRange } from '../../src/store/sql/repair-ledger.ts';

test('/metrics tells missing-and-repairing from lost-and-confirmed, per camera and reason, read from the ledger', {
  timeout: 30_000,
}, async () => {
  const store = new DuckDbStore({ path: ':memory:' });
  await store.open();
  try {
    const now = Date.now();
    const ledger = await store.capabilities.repairLedger.open();
    const cam = {
      region: 'eu',
      site: 'plant-1',
      camera: 'cam-01',
      incarnation: uuidv7(),
      incarnationStartedMs: now,
      watermark: 0,
      scannedToMs: now,
      ackedThrough: 0,
      announcedAtMs: now,
      owner: 't',
      leaseUntilMs: now + 60_000,
    };
    await ledger.insertCamera(cam);
    const r = (from: number, to: number, extra = {}) =>
      newRange({
        region: 'eu',
        site: 'plant-1',
        camera: 'cam-01',
        incarnation: cam.incarnation,
        from,
        to,
        state: 'repairing',
        reason: null,
        detectedAtMs: now - 30_000,
        attempts: 1,
        nextAttemptMs: now,
        resolvedAtMs: null,
        ...extra,
      });
    await ledger.update('t', now, cam, [
      r(1, 10),
      r(11, 13, { state: 'lost', reason: 'dropped', resolvedAtMs: now }),
      r(14, 20, { state: 'repaired', resolvedAtMs: now }),
    ]);
    const text = await repairMetrics(new Registry(), store).metrics();
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    const id = 'region="eu",site="plant-1",camera="cam-01"';
    assert.equal(value(`seamline_repair_missing{${id}}`), 10);
    assert.equal(value(`seamline_repair_lost{${id},reason="dropped"}`), 3);
    assert.equal(value(`seamline_repair_repaired{${id}}`), 7);
    assert.ok(value(`seamline_repair_oldest_missing_seconds{${id}}`) >= 29);
  } finally {
    await store.close();
  }
});

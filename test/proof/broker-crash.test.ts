import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerCrash } from '../../src/proof/chaos/scenarios/broker-crash.ts';
import { twoConsumersIntoPostgres } from '../helpers/chaos-asserts.ts';

// Its own file: the other chaos scenarios already fill most of chaos.test.ts's time.
const quiet = (line: string) => void process.stderr.write(`  ${line}\n`);

test('broker-crash: Mosquitto SIGKILLed three times with two shared-subscription consumers into PostgreSQL connected, stopped and held back, then a restart under two shared-subscription consumers: every answered event stored once', {
  timeout: 300_000,
}, async () => {
  const r = await brokerCrash({
    events: 24_000,
    rate: 800,
    cameras: 3,
    crashes: 3,
    sharedEvents: 6_000,
    graceSeconds: 3,
    settleMs: 90_000,
  }).run(quiet);
  assert.equal(r.crash_modes, 'connected,stopped,held');
  // The crash phase too: two consumer processes on the shared subscription, both committed, into PostgreSQL.
  twoConsumersIntoPostgres(r);
  assert.ok(
    String(r.answered_at_crashes)
      .split(',')
      .every((n) => Number(n) < r.produced),
    `every crash under load (${r.answered_at_crashes} of ${r.produced})`,
  );
  assert.deepEqual([r.stored, r.lost, r.duplicates, r.confirmed_lost], [r.produced, 0, 0, 0], 'every event the bridges answered for, once');
  assert.ok(Number(r.repaired) > 0, `the crashes lost events that repair brought back (${r.repaired})`);
  assert.deepEqual([r.shared_stored, r.shared_lost, r.shared_duplicates], [r.shared_produced, 0, 0]);
  assert.ok(Number(r.shared_requesters_per_camera) <= 1, `one repairer per camera (${r.shared_requesters_per_camera})`);
  assert.equal(r.ok, true);
});

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../helpers/wait.ts';
import { sleep } from '../edge/support.ts';
import { RepairRig } from './repair-support.ts';

/**
 * End-to-end repair with real parts: Mosquitto SIGKILLed to lose what it had acknowledged, bridges with
 * their replay windows, a consumer with its repairer, a DuckDB file counted from outside at the end.
 */

async function withRig(fn: (rig: RepairRig) => Promise<void>, consumerOptions = {}) {
  const rig = await new RepairRig(consumerOptions).start();
  try {
    await fn(rig);
  } finally {
    await rig.close();
  }
}

/** The consumer away, `n` events acknowledged by the broker and queued for it, then the broker killed: all gone. */
async function loseInBroker(rig: RepairRig, bridge: ReturnType<RepairRig['bridge']>, n: number) {
  await rig.stopConsumer();
  const lost = await RepairRig.produce(bridge, n);
  assert.equal(await bridge.drain(10_000), true, 'the broker acknowledged them');
  await rig.broker.kill();
  await rig.broker.start();
  return lost;
}

test(
  'events a SIGKILLed broker lost after acknowledging them are repaired from the bridge window, each stored once',
  { timeout: 90_000 },
  () =>
    withRig(async (rig) => {
      await rig.startConsumer();
      const bridge = rig.bridge('cam-01');
      await bridge.start();
      const before = await RepairRig.produce(bridge, 100);
      await waitFor(async () => (await rig.stored()) === 100, 20_000, '100 stored');
      const lost = await loseInBroker(rig, bridge, 200);
      await rig.startConsumer();
      await waitFor(() => bridge.stats().connected, 10_000, 'the bridge back on the broker');
      const after = await RepairRig.produce(bridge, 50);
      await waitFor(async () => (await rig.stored()) === 350, 45_000, 'all 350 stored, the 200 lost ones through repair');
      await rig.settled('cam-01');
      assert.deepEqual(await rig.ranges('cam-01'), [[101, 300, 'repaired', null]]);
      assert.equal(bridge.stats().republished, 200, 'exactly the lost ones were republished');
      const v = await rig.verdict([...before, ...lost, ...after].map((a) => a.event_id));
      assert.deepEqual([v.rows, v.distinct, v.distinctSeqs, v.missing], [350, 350, 350, 0], 'each event once, none missing');
    }),
);

test(
  'the newest events of a camera that went quiet are repaired too: its announcement says how far its seqs went',
  { timeout: 90_000 },
  () =>
    withRig(async (rig) => {
      await rig.startConsumer();
      const bridge = rig.bridge('cam-02');
      await bridge.start();
      const before = await RepairRig.produce(bridge, 30);
      await waitFor(async () => (await rig.stored()) === 30, 20_000, '30 stored');
      const lost = await loseInBroker(rig, bridge, 40); // nothing comes after these
      await rig.startConsumer();
      await waitFor(async () => (await rig.stored()) === 70, 45_000, 'the 40 lost newest events repaired');
      await rig.settled('cam-02');
      assert.deepEqual(await rig.ranges('cam-02'), [[31, 70, 'repaired', null]]);
      const v = await rig.verdict([...before, ...lost].map((a) => a.event_id));
      assert.deepEqual([v.rows, v.distinct, v.missing], [70, 70, 0]);
    }),
);

test('a gap younger than the grace period is not chased; once older, it is', { timeout: 90_000 }, () =>
  withRig(async (rig) => {
    const graceMs = 6_000;
    await rig.startConsumer({ graceMs });
    const bridge = rig.bridge('cam-03');
    await bridge.start();
    await RepairRig.produce(bridge, 10);
    await waitFor(async () => (await rig.stored()) === 10, 20_000, '10 stored');
    await loseInBroker(rig, bridge, 20);
    await rig.startConsumer({ graceMs });
    await waitFor(() => bridge.stats().connected, 10_000, 'the bridge back');
    await RepairRig.produce(bridge, 5);
    await waitFor(async () => (await rig.stored()) === 15, 20_000, 'the 5 after the gap stored');
    const gapSeen = Date.now();
    await sleep(graceMs / 2);
    assert.equal(rig.requests.length, 0, 'no request while the gap is younger than the grace period');
    assert.deepEqual(await rig.ranges('cam-03'), [], 'not even recorded yet');
    await waitFor(async () => (await rig.stored()) === 35, 45_000, 'repaired after the grace period');
    assert.ok(rig.requests[0].at - gapSeen >= graceMs - 1_000, `first request ${rig.requests[0].at - gapSeen} ms after the gap was stored`);
  }),
);

test('an ordinary backlog is not chased: a consumer catching up after an outage sends no request', { timeout: 90_000 }, () =>
  withRig(
    async (rig) => {
      await rig.startConsumer();
      const bridge = rig.bridge('cam-04');
      await bridge.start();
      await RepairRig.produce(bridge, 10);
      await waitFor(async () => (await rig.stored()) === 10, 20_000, '10 stored');
      await rig.stopConsumer(); // its session keeps collecting: a backlog, not a loss
      await RepairRig.produce(bridge, 3_000);
      assert.equal(await bridge.drain(20_000), true);
      // Slow on purpose: the backlog takes several grace periods to drain.
      const consumer = await rig.startConsumer();
      const ledger = await rig.ledger();
      await waitFor(async () => (await rig.stored()) === 3_010, 60_000, 'the backlog drained');
      await sleep(3_000);
      assert.ok(consumer.repairer!.stats.announces > 0, 'the repairer heard the bridge (the path is live)');
      assert.equal((await ledger.cameras()).length, 1, 'and knows the camera');
      assert.deepEqual(await rig.ranges('cam-04'), [], 'no gap recorded');
      assert.equal(rig.requests.length, 0, 'no request sent');
    },
    { batchSize: 20, flushMs: 40, maxPending: 20, receiveMaximum: 20 },
  ),
);

test('a camera that restarted its bridge serves the repair from the window it kept on disk', { timeout: 90_000 }, () =>
  withRig(async (rig) => {
    await rig.startConsumer();
    const first = rig.bridge('cam-05');
    await first.start();
    const before = await RepairRig.produce(first, 20);
    await waitFor(async () => (await rig.stored()) === 20, 20_000, '20 stored');
    const lost = await loseInBroker(rig, first, 30);
    await first.close(); // the camera host restarts
    await rig.startConsumer();
    const second = rig.bridge('cam-05');
    await second.start();
    const after = await RepairRig.produce(second, 10);
    await waitFor(async () => (await rig.stored()) === 60, 45_000, 'all 60 stored');
    assert.equal(second.stats().republished, 30);
    await rig.settled('cam-05');
    assert.deepEqual(await rig.ranges('cam-05'), [[21, 50, 'repaired', null]]);
    const v = await rig.verdict([...before, ...lost, ...after].map((a) => a.event_id));
    assert.deepEqual([v.rows, v.distinct, v.missing], [60, 60, 0]);
  }),
);

test(
  'a camera whose bridge lost its disk: the gap is confirmed lost as outbox_reset, not chased forever, and the new outbox is repaired as usual',
  { timeout: 90_000 },
  () =>
    withRig(async (rig) => {
      const graceMs = 3_000;
      await rig.startConsumer({ graceMs });
      const first = rig.bridge('cam-06');
      await first.start();
      await RepairRig.produce(first, 20);
      await waitFor(async () => (await rig.stored()) === 20, 20_000, '20 stored');
      await loseInBroker(rig, first, 25); // seqs 21-45: acknowledged by the broker, held only by the first outbox now
      await rig.startConsumer({ graceMs });
      const ledger = await rig.ledger();
      await waitFor(async () => (await ledger.cameras())[0]?.ackedThrough === 45, 10_000, 'the repairer to hear that the broker had 45');
      await first.close(); // offline before it is asked, and then its disk is gone
      await waitFor(async () => (await rig.ranges('cam-06')).length > 0, 20_000, 'the missing seqs recorded');
      assert.deepEqual(await rig.ranges('cam-06'), [[21, 45, 'repairing', null]]);
      assert.equal(rig.requests.length, 0, 'an offline camera is not asked');
      rmSync(join(rig.dir, 'outbox-cam-06'), { recursive: true, force: true });
      const second = rig.bridge('cam-06');
      await second.start();
      await waitFor(async () => (await rig.ranges('cam-06'))[0][2] === 'lost', 30_000, 'the loss confirmed');
      assert.deepEqual(await rig.ranges('cam-06'), [[21, 45, 'lost', 'outbox_reset']]);
      assert.equal(rig.consumer!.repairer!.stats.resets, 1);
      // The new outbox starts again at seq 1; its events are stored and judged on their own.
      const fresh = await RepairRig.produce(second, 10);
      await waitFor(async () => (await rig.stored()) === 30, 20_000, "the new outbox's events stored");
      const asked = rig.requests.length;
      await sleep(graceMs + 2_000);
      assert.equal(rig.requests.length, asked, 'nothing of the old outbox is asked for again');
      assert.deepEqual(await rig.ranges('cam-06'), [[21, 45, 'lost', 'outbox_reset']], 'and nothing of the new one is missing');
      const v = await rig.verdict(fresh.map((a) => a.event_id));
      assert.deepEqual([v.rows, v.distinct, v.missing], [30, 30, 0]);
    }),
);

test(
  'no repair storm when a whole site goes quiet: offline cameras are not asked, and when they return the requests keep to the limits',
  { timeout: 120_000 },
  () =>
    withRig(async (rig) => {
      const limits = { requestsPerSecond: 2, requestBurst: 2, cameraIntervalMs: 2_000 };
      const cameras = Array.from({ length: 12 }, (_, i) => `site-cam-${String(i + 1).padStart(2, '0')}`);
      await rig.startConsumer(limits);
      const bridges = cameras.map((c) => rig.bridge(c));
      await Promise.all(bridges.map((b) => b.start()));
      for (const b of bridges) await RepairRig.produce(b, 3);
      await waitFor(async () => (await rig.stored()) === 36, 30_000, '36 stored');
      await rig.stopConsumer();
      for (const b of bridges) await RepairRig.produce(b, 5);
      for (const b of bridges) assert.equal(await b.drain(10_000), true, JSON.stringify(b.stats()));
      await rig.broker.kill(); // every camera of the site loses its newest 5
      await rig.broker.start();
      await waitFor(() => bridges.every((b) => b.stats().connected), 15_000, 'the bridges back, announcing seq 8');
      await sleep(1_500);
      await Promise.all(bridges.map((b) => b.close())); // and then the whole site goes quiet: offline
      await rig.startConsumer(limits);
      await waitFor(
        async () => (await Promise.all(cameras.map((c) => rig.ranges(c)))).every((r) => r.length === 1),
        30_000,
        'a gap recorded for every camera',
      );
      await sleep(3_000);
      assert.equal(rig.requests.length, 0, 'twelve gaps, twelve offline cameras: not one request');

      const back = cameras.map((c) => rig.bridge(c));
      await Promise.all(back.map((b) => b.start()));
      await waitFor(async () => (await rig.stored()) === 96, 60_000, 'every lost event repaired once the site is back');
      const times = rig.requests.map((r) => r.at).sort((a, b) => a - b);
      const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1_000).length));
      assert.ok(busiest <= limits.requestBurst + limits.requestsPerSecond, `at most burst + rate requests in any second; saw ${busiest}`);
      for (const c of cameras) {
        const own = rig.requests.filter((r) => r.camera === c).map((r) => r.at);
        for (let i = 1; i < own.length; i++)
          assert.ok(own[i] - own[i - 1] >= limits.cameraIntervalMs - 100, `${c}: requests ${own[i] - own[i - 1]} ms apart`);
      }
      assert.ok(
        rig.requests.length >= 12 && rig.requests.length <= 24,
        `one request per camera, give or take a retry: ${rig.requests.length}`,
      );
    }),
);

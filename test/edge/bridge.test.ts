import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startEmbeddedBroker } from '../../src/broker/embedded.ts';
import { isSeamError, validateMessage } from '../../src/contract/index.ts';
import type { Bridge } from '../../src/edge/bridge/bridge.ts';
import { mosquittoSuite } from './mosquitto-suite.ts';
import { boxCount, boxes, collect, makeInput, sleep, tempDir } from './support.ts';
import { waitFor } from '../helpers/wait.ts';

const suite = mosquittoSuite();
const bridgeFor = suite.bridge;

async function acceptMany(bridge: Bridge, n: number, overrides: Record<string, unknown> = {}) {
  const inputs = Array.from({ length: n }, () => makeInput(overrides));
  const results = await Promise.all(inputs.map((i) => bridge.accept(i)));
  return inputs.map((input, i) => ({ input, ...results[i] }));
}

describe('edge bridge against Mosquitto', () => {
  test('delivers every accepted event exactly as accepted, and empties the outbox on PUBACK', { timeout: 60_000 }, async () => {
    const collector = await collect(suite.broker.url);
    const bridge = bridgeFor();
    await bridge.start();
    const accepted = await acceptMany(bridge, 3000);
    await collector.waitFor(3000, 20_000);
    for (const a of accepted) {
      const got = collector.byId.get(a.event_id);
      assert.ok(got, `event ${a.event_id} arrived`);
      assert.deepEqual(got, {
        schema_version: 'detection.v1',
        event_id: a.event_id,
        region: 'eu',
        site: 'plant-1',
        camera: 'cam-01',
        seq: a.seq,
        ...a.input,
      });
      validateMessage('detection', got);
    }
    assert.deepEqual(
      accepted.map((a) => a.seq).sort((x, y) => x - y),
      Array.from({ length: 3000 }, (_, i) => i + 1),
    );
    assert.equal(await bridge.drain(5000), true);
    const s = bridge.stats();
    assert.equal(s.accepted, 3000);
    assert.equal(s.acked, 3000);
    assert.equal(s.outbox_depth, 0);
    assert.equal(s.outbox_bytes, 0);
    // 3,000 inputs of 2, 0, 3, 1 boxes: 4,500 detections in 3,000 frames.
    assert.equal(s.detections, boxCount(accepted.map((a) => a.input)));
    assert.equal(s.detections, 4_500);
    await collector.close();
  });

  test('refuses invalid input with SEAM_ERR_INVALID_INPUT naming the field, and nothing enters the outbox', {
    timeout: 30_000,
  }, async () => {
    const bridge = bridgeFor();
    const cases: [string, unknown, string][] = [
      [
        'confidence above 1',
        makeInput({ detections: [{ class: 'dent', class_id: 2, confidence: 1.5, bbox: [1, 2, 3, 4] }] }),
        'detections[0].confidence',
      ],
      ['camera with capitals', makeInput({ camera: 'Cam 7' }), 'camera'],
      ['missing captured_at', { ...makeInput(), captured_at: undefined }, 'captured_at'],
      ['local-time timestamp', makeInput({ inferred_at: '2026-11-24 08:00:00' }), 'inferred_at'],
      ['producer-chosen event_id', makeInput({ event_id: '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b' }), 'event_id'],
      ['producer-chosen seq', makeInput({ seq: 7 }), 'seq'],
      ['unknown field', makeInput({ colour: 'red' }), 'colour'],
      [
        'bbox of three numbers',
        makeInput({ detections: [{ class: 'dent', class_id: 2, confidence: 0.5, bbox: [1, 2, 3] }] }),
        'detections[0].bbox',
      ],
      ['not an object', [1, 2, 3], '(root)'],
    ];
    for (const [name, input, field] of cases) {
      await assert.rejects(
        bridge.accept(input),
        (err) =>
          isSeamError(err, 'SEAM_ERR_INVALID_INPUT') && err.field === field && err.message.includes(field === '(root)' ? 'object' : field),
        name,
      );
    }
    const s = bridge.stats();
    assert.equal(s.outbox_depth, 0);
    assert.equal(s.accepted, 0);
    assert.equal(s.refused, cases.length);
    assert.equal((await bridge.accept(makeInput())).seq, 1, 'refused inputs consume no seq');
  });

  test('continues seq after closing and reopening the bridge on the same dataDir', { timeout: 30_000 }, async () => {
    const { dir } = tempDir();
    const first = bridgeFor({}, dir);
    await first.start();
    const a = await acceptMany(first, 25);
    await first.close();
    const second = bridgeFor({}, dir);
    await second.start();
    const b = await acceptMany(second, 5);
    const c = await acceptMany(second, 2, { camera: 'cam-02' });
    assert.deepEqual(
      a.map((x) => x.seq),
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      b.map((x) => x.seq),
      [26, 27, 28, 29, 30],
    );
    assert.deepEqual(
      c.map((x) => x.seq),
      [1, 2],
      'seq is per camera',
    );
  });

  test('delivers every accepted event when the broker stops for two seconds mid-stream and restarts', { timeout: 60_000 }, async () => {
    const collector = await collect(suite.broker.url, { persistent: true, filter: 'vision/eu/plant-1/cam-restart/detection' });
    const bridge = bridgeFor({ camera: 'cam-restart' });
    await bridge.start();
    await bridge.waitForConnection();
    const ids: string[] = [];
    let producing = true;
    const producer = (async () => {
      while (producing) {
        const batch = await acceptMany(bridge, 50);
        ids.push(...batch.map((x) => x.event_id));
        await sleep(10);
      }
    })();
    await sleep(700);
    await suite.broker.stop();
    await sleep(2000);
    assert.ok(bridge.stats().outbox_depth > 0, 'events piled up in the outbox while the broker was down');
    await suite.broker.start();
    await sleep(700);
    producing = false;
    await producer;
    await collector.waitFor(ids.length, 20_000, () => bridge.stats());
    for (const id of ids) assert.ok(collector.byId.has(id), `event ${id} arrived`);
    assert.equal(await bridge.drain(5000), true);
    assert.ok(bridge.stats().reconnects >= 1);
    await collector.close();
  });

  test('drains a backlog oldest-first while new events queue behind it', { timeout: 60_000 }, async () => {
    const c = await collect(suite.broker.url, { persistent: true, filter: 'vision/eu/plant-1/cam-backlog/detection' });
    await suite.broker.stop();
    const bridge = bridgeFor({ camera: 'cam-backlog' });
    await bridge.start();
    await acceptMany(bridge, 5000);
    await suite.broker.start();
    const live = await acceptMany(bridge, 500);
    await c.waitFor(5500, 20_000, () => bridge.stats());
    const firstArrivals = c.order;
    for (let i = 1; i < firstArrivals.length; i++)
      assert.ok(firstArrivals[i] > firstArrivals[i - 1], `seq ${firstArrivals[i]} after ${firstArrivals[i - 1]}`);
    assert.equal(live[live.length - 1].seq, 5500);
    await c.close();
  });

  test('drop-oldest with the broker down: accepted = kept + dropped, and exactly the kept newest arrive', { timeout: 60_000 }, async () => {
    const c = await collect(suite.broker.url, { persistent: true, filter: 'vision/eu/plant-1/cam-drop/detection' });
    await suite.broker.stop();
    const maxBytes = 20_000;
    const bridge = bridgeFor({ maxBytes, overflow: 'drop-oldest', camera: 'cam-drop' });
    await bridge.start();
    const accepted = [];
    for (let i = 0; i < 100; i++) accepted.push(await bridge.accept(makeInput()));
    const s = bridge.stats();
    assert.ok(s.dropped > 0);
    assert.equal(s.outbox_depth + s.dropped, 100);
    assert.ok(s.outbox_bytes <= maxBytes);
    const entrySize = s.outbox_bytes / s.outbox_depth;
    assert.ok(s.outbox_bytes > maxBytes - 2 * entrySize, 'drops no more than it needs');
    await suite.broker.start();
    await c.waitFor(s.outbox_depth, 10_000);
    await bridge.drain(5000);
    const got = [...c.byId.values()].map((m) => m.seq).sort((x, y) => x - y);
    assert.deepEqual(
      got,
      accepted.slice(s.dropped).map((a) => a.seq),
      'the dropped are the oldest, the rest arrive',
    );
    await c.close();
  });

  test('reject-new with the broker down refuses with SEAM_ERR_OUTBOX_FULL and every accepted event arrives', {
    timeout: 60_000,
  }, async () => {
    const c = await collect(suite.broker.url, { persistent: true, filter: 'vision/eu/plant-1/cam-reject/detection' });
    await suite.broker.stop();
    const bridge = bridgeFor({ maxBytes: 20_000, overflow: 'reject-new', camera: 'cam-reject' });
    await bridge.start();
    let ok = 0;
    let full = 0;
    for (let i = 0; i < 100; i++) {
      try {
        await bridge.accept(makeInput());
        ok++;
      } catch (err) {
        assert.ok(isSeamError(err, 'SEAM_ERR_OUTBOX_FULL'));
        full++;
      }
    }
    assert.ok(ok > 0 && full > 0);
    const s = bridge.stats();
    assert.deepEqual([s.accepted, s.refused, s.dropped, s.outbox_depth], [ok, full, 0, ok]);
    await suite.broker.start();
    await c.waitFor(ok, 10_000);
    assert.equal(await bridge.drain(5000), true);
    assert.equal((await bridge.accept(makeInput())).seq, ok + 1, 'refusals consumed no seq');
    await c.waitFor(ok + 1, 10_000);
    assert.equal(c.byId.size, ok + 1);
    await c.close();
  });

  test('publishes a retained online birth with counters and a retained offline on close', { timeout: 30_000 }, async () => {
    const bridge = bridgeFor({ camera: 'cam-status', heartbeat: 0.2 });
    await bridge.start();
    await bridge.waitForConnection();
    // Five boxes in three frames: a heartbeat that counted frames as detections would say 3.
    for (const n of [2, 0, 3]) await bridge.accept(makeInput({ detections: boxes(n) }));
    const watcher = await collect(suite.broker.url, { filter: 'vision/eu/plant-1/cam-status/status' });
    await waitFor(() => watcher.statuses.some((s) => s.retain), 10_000, 'the retained status');
    assert.equal(watcher.statuses.find((s) => s.retain)?.message.state, 'online');
    await waitFor(() => watcher.statuses.some((s) => s.message.frames === 3), 10_000, 'a heartbeat counting the three frames');
    const beat = watcher.statuses.find((s) => s.message.frames === 3)!.message;
    assert.equal(beat.detections, 5);
    assert.equal(typeof beat.uptime_s, 'number');
    validateMessage('status', beat);
    await watcher.close();
    await bridge.close();
    const late = await collect(suite.broker.url, { filter: 'vision/eu/plant-1/cam-status/status' });
    await waitFor(() => late.statuses.length > 0, 10_000, 'the retained status after the close');
    assert.deepEqual(
      late.statuses.map((s) => [s.message.state, s.retain]),
      [['offline', true]],
    );
    await late.close();
  });
});

describe('edge bridge send loop', () => {
  // A read served from a snapshot older than the commit that answered the record (kriszyp/lmdb-js#250) is
  // simulated by hiding the entry from the pass its own accept schedules; the CI run of 2026-12-07 saw the
  // real thing once: a quiet camera's last event sat unsent for 20 s on a live connection.
  test('sends an answered record that the pass after its accept could not read, with no later accept to wake it', {
    timeout: 30_000,
  }, async () => {
    const collector = await collect(suite.broker.url);
    const bridge = bridgeFor();
    await bridge.start();
    await bridge.waitForConnection(10_000);
    const first = await bridge.accept(makeInput());
    await collector.waitFor(1, 10_000);
    const read = bridge.outbox.read.bind(bridge.outbox);
    let hidden = 0;
    bridge.outbox.read = (from, limit) => (hidden++ === 0 ? [] : read(from, limit));
    const second = await bridge.accept(makeInput());
    await waitFor(() => hidden > 0, 5_000, 'the pass scheduled by the accept');
    await collector.waitFor(2, 5_000, () => bridge.stats());
    assert.deepEqual([...collector.byId.keys()], [first.event_id, second.event_id]);
    assert.ok(hidden >= 2, `the entry was read again after the hidden pass (${hidden} reads)`);
    assert.equal(await bridge.drain(5000), true);
    await collector.close();
  });
});

describe('edge bridge against the embedded broker', () => {
  test('delivers every accepted event over MQTT 3.1.1 (protocol 4)', { timeout: 60_000 }, async () => {
    const aedes = await startEmbeddedBroker();
    try {
      const collector = await collect(aedes.url, { protocolVersion: 4 });
      const bridge = bridgeFor({ url: aedes.url, protocol: 4 });
      await bridge.start();
      const accepted = await acceptMany(bridge, 1000);
      await collector.waitFor(1000, 20_000);
      for (const a of accepted) assert.equal(collector.byId.get(a.event_id)?.seq, a.seq);
      assert.equal(await bridge.drain(5000), true);
      await bridge.close();
      await collector.close();
    } finally {
      await aedes.close();
    }
  });
});

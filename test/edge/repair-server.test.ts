import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { v7 as uuidv7 } from 'uuid';
import { REPAIR_REQUEST_V1, type RepairAnswerV1 } from '../../src/contract/index.ts';
import { entrySize } from '../../src/edge/outbox/entry.ts';
import type { Bridge, BridgeOptions } from '../../src/edge/bridge/bridge.ts';
import { mosquittoSuite } from './mosquitto-suite.ts';
import { boxes, makeInput, sleep, tempDir } from './support.ts';
import { waitFor } from '../helpers/wait.ts';

const suite = mosquittoSuite({ reconnectMaxMs: 300, closeTimeoutMs: 500 });
const cleanups = suite.cleanups;
let ids = 0;
const bridgeFor = (camera: string, overrides: Partial<BridgeOptions> = {}, dataDir?: string): Bridge =>
  suite.bridge({ camera, ...overrides }, dataDir);

/** A repairer's view of one camera: its detections (raw bytes), answers and announcements. */
interface Watch {
  client: MqttClient;
  detections: Buffer[];
  answers: RepairAnswerV1[];
  announces: RepairAnswerV1[];
  ask(ranges: { from: number; to: number }[], incarnation?: string): Promise<RepairAnswerV1>;
}

async function watch(camera: string): Promise<Watch> {
  const base = `vision/eu/plant-1/${camera}`;
  const client = await mqtt.connectAsync(suite.broker.url, { protocolVersion: 5, clientId: `repair-watch-${ids++}`, reconnectPeriod: 100 });
  cleanups.push(() => client.endAsync(true));
  const w: Watch = {
    client,
    detections: [],
    answers: [],
    announces: [],
    async ask(ranges, incarnation) {
      const request_id = uuidv7();
      const known = incarnation ?? w.announces[w.announces.length - 1].incarnation;
      const request = {
        schema_version: REPAIR_REQUEST_V1,
        request_id,
        region: 'eu',
        site: 'plant-1',
        camera,
        incarnation: known,
        ranges,
        requested_at: new Date().toISOString(),
      };
      await client.publishAsync(`${base}/repair-request`, JSON.stringify(request), { qos: 1 });
      await waitFor(() => w.answers.some((a) => a.request_id === request_id), 10_000, `the answer to ${request_id}`);
      return w.answers.find((a) => a.request_id === request_id)!;
    },
  };
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/detection')) w.detections.push(payload);
    else {
      const m = JSON.parse(payload.toString()) as RepairAnswerV1;
      (m.kind === 'answer' ? w.answers : w.announces).push(m);
    }
  });
  await client.subscribeAsync([`${base}/detection`, `${base}/repair-answer`], { qos: 1 });
  return w;
}

const outcomes = (a: RepairAnswerV1) => a.ranges.map((r) => [r.from, r.to, r.outcome]);

describe('bridge answering repair requests, against Mosquitto', () => {
  test('announces its incarnation and seqs on connect, retained, and republishes what its window holds byte for byte', {
    timeout: 60_000,
  }, async () => {
    const w = await watch('cam-a');
    const bridge = bridgeFor('cam-a');
    await bridge.start();
    for (let i = 0; i < 20; i++) await bridge.accept(makeInput());
    assert.equal(await bridge.drain(10_000), true);
    await waitFor(() => w.detections.length === 20 && w.announces.length > 0, 10_000, '20 detections and an announcement');
    const announce = w.announces[0];
    assert.equal(announce.incarnation, bridge.outbox.incarnation.id);
    assert.equal(announce.first_seq, 1);
    const original = w.detections.slice();

    const answer = await w.ask([
      { from: 5, to: 8 },
      { from: 19, to: 25 },
    ]);
    assert.deepEqual(outcomes(answer), [
      [5, 8, 'republished'],
      [19, 20, 'republished'],
      [21, 25, 'never_produced'],
    ]);
    assert.deepEqual([answer.last_seq, answer.stored_from, answer.unacked_from], [20, 1, undefined]);
    await waitFor(() => w.detections.length === 26, 10_000, 'six republished events');
    await sleep(300);
    assert.equal(w.detections.length, 26, 'exactly the six asked for');
    const again = w.detections.slice(20).map((b) => b.toString());
    const expected = [...original.slice(4, 8), ...original.slice(18, 20)].map((b) => b.toString());
    assert.deepEqual(again, expected, 'the original bytes, in seq order');
    await waitFor(() => bridge.stats().republished === 6, 5_000, 'six PUBACKed republishes');

    const late = await watch('cam-a');
    await waitFor(() => late.announces.length > 0, 5_000, 'the retained announcement for a late subscriber');
    assert.equal(late.announces[0].incarnation, announce.incarnation);
  });

  test('answers evicted, dropped and never-produced seqs as such, and republishes only what it still has', {
    timeout: 60_000,
  }, async () => {
    // Every input the same size (one box), so the byte bounds below hold a known number of entries.
    const sameSize = () => makeInput({ detections: boxes(1) });
    const size = entrySize(
      'vision/eu/plant-1/cam-b/detection',
      Buffer.byteLength(
        JSON.stringify({
          ...sameSize(),
          schema_version: 'detection.v1',
          event_id: uuidv7(),
          region: 'eu',
          site: 'plant-1',
          camera: 'cam-b',
          seq: 1,
        }),
      ),
    );
    const w = await watch('cam-b');
    const bridge = bridgeFor('cam-b', { maxBytes: size * 6 + size / 2, replayMaxBytes: size * 3 + size / 2 });
    await bridge.start();
    for (let i = 0; i < 5; i++) await bridge.accept(sameSize()); // 1-5 acknowledged; the window keeps 3-5
    assert.equal(await bridge.drain(10_000), true);
    await suite.broker.stop();
    for (let i = 0; i < 10; i++) await bridge.accept(sameSize()); // 6-15: 3-5 give way, then 6-9 are dropped
    assert.deepEqual([bridge.stats().dropped, bridge.stats().outbox_depth], [4, 6]);
    await suite.broker.start();
    assert.equal(await bridge.drain(15_000), true); // 10-15 acknowledged; the window keeps 13-15
    await waitFor(() => w.client.connected && w.announces.length > 0, 10_000, 'the watcher back');
    const answer = await w.ask([{ from: 1, to: 20 }]);
    assert.deepEqual(outcomes(answer), [
      [1, 5, 'evicted'],
      [6, 9, 'dropped'],
      [10, 12, 'evicted'],
      [13, 15, 'republished'],
      [16, 20, 'never_produced'],
    ]);
    await waitFor(() => bridge.stats().republished === 3, 10_000, 'three republished');
  });

  test('answers outbox_reset for an incarnation that is not its own, and republishes nothing', { timeout: 60_000 }, async () => {
    const w = await watch('cam-c');
    const bridge = bridgeFor('cam-c');
    await bridge.start();
    for (let i = 0; i < 5; i++) await bridge.accept(makeInput());
    assert.equal(await bridge.drain(10_000), true);
    await waitFor(() => w.detections.length === 5, 10_000, 'five detections');
    const answer = await w.ask([{ from: 1, to: 3 }], uuidv7());
    assert.deepEqual(outcomes(answer), [[1, 3, 'outbox_reset']]);
    await sleep(500);
    assert.equal(w.detections.length, 5, 'nothing republished');
  });

  test('a bridge restarted on the same directory keeps its window and incarnation and serves it', { timeout: 60_000 }, async () => {
    const { dir } = tempDir('seamline-repair-restart-');
    const w = await watch('cam-d');
    const first = bridgeFor('cam-d', {}, dir);
    await first.start();
    for (let i = 0; i < 8; i++) await first.accept(makeInput());
    assert.equal(await first.drain(10_000), true);
    await waitFor(() => w.detections.length === 8, 10_000, 'eight detections');
    const incarnation = first.outbox.incarnation.id;
    await first.close();
    const second = bridgeFor('cam-d', {}, dir);
    await second.start();
    await waitFor(() => w.announces.length >= 2, 10_000, 'the restarted bridge announcing');
    assert.equal(second.outbox.incarnation.id, incarnation);
    assert.equal(second.stats().outbox_depth, 0, 'nothing acknowledged is sent again');
    const answer = await w.ask([{ from: 2, to: 4 }]);
    assert.deepEqual(outcomes(answer), [[2, 4, 'republished']]);
    await waitFor(() => w.detections.length === 11, 10_000, 'three republished');
    assert.deepEqual(w.detections.slice(8).map(String), w.detections.slice(1, 4).map(String));
  });

  test('ignores an invalid request without wedging: the next valid one is answered', { timeout: 60_000 }, async () => {
    const w = await watch('cam-e');
    const bridge = bridgeFor('cam-e');
    await bridge.start();
    await bridge.accept(makeInput());
    assert.equal(await bridge.drain(10_000), true);
    await waitFor(() => w.announces.length > 0, 10_000, 'an announcement');
    await w.client.publishAsync('vision/eu/plant-1/cam-e/repair-request', '{"schema_version":"repair-request.v1"', { qos: 1 });
    await w.client.publishAsync(
      'vision/eu/plant-1/cam-e/repair-request',
      JSON.stringify({ schema_version: 'repair-request.v1', ranges: [] }),
      { qos: 1 },
    );
    const answer = await w.ask([{ from: 1, to: 1 }]);
    assert.deepEqual(outcomes(answer), [[1, 1, 'republished']]);
    const text = await bridge.registry.metrics();
    assert.match(text, /seamline_edge_repair_requests_total\{client_id="[^"]+",result="invalid"\} 2/);
    assert.match(text, /seamline_edge_repair_requests_total\{client_id="[^"]+",result="answered"\} 1/);
  });
});

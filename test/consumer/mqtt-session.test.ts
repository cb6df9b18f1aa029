import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../src/broker/embedded.ts';
import { freePort } from '../../src/broker/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/broker/mosquitto.ts';
import { isSeamError } from '../../src/contract/index.ts';
import { createMqttSession, type MqttSessionOptions } from '../../src/consumer/mqtt-session.ts';
import type { Delivery, SubscriberSession } from '../../src/consumer/session.ts';

let mosquitto: RunningMosquitto;
const open = new Set<SubscriberSession>();

before(async () => {
  mosquitto = await startMosquitto();
});
afterEach(async () => {
  await Promise.all([...open].map((s) => s.close()));
  open.clear();
});
after(async () => {
  await mosquitto?.close();
});

function session(options: Partial<MqttSessionOptions> & Pick<MqttSessionOptions, 'clientId' | 'filters'>) {
  const s = createMqttSession({ url: mosquitto.url, ...options });
  open.add(s);
  const got: Delivery[] = [];
  s.on('message', (d: Delivery) => got.push(d));
  return { s, got };
}

async function closeSession(s: SubscriberSession): Promise<void> {
  open.delete(s);
  await s.close();
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function publish(url: string, topic: string, payloads: string[], protocolVersion: 4 | 5 = 5): Promise<void> {
  const client = await mqtt.connectAsync(url, { protocolVersion, clientId: `pub-${Math.random().toString(36).slice(2)}` });
  try {
    await Promise.all(payloads.map((p) => client.publishAsync(topic, p, { qos: 1 })));
  } finally {
    await client.endAsync();
  }
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const texts = (ds: Delivery[]) => ds.map((d) => d.payload.toString());

test('no PUBACK leaves before ack: 500 unacked messages are all redelivered, and none once acked', async (t) => {
  const filters = ['vision/t1/+/+/detection'];
  const first = session({ clientId: 'hold-acks', filters });
  await first.s.start();
  const sent = names('hold', 500);
  const t0 = performance.now();
  await publish(mosquitto.url, 'vision/t1/s/c/detection', sent);
  await until('500 unacked deliveries', () => first.got.length === 500);
  const rate = Math.round(500 / ((performance.now() - t0) / 1000));
  t.diagnostic(`received 500 unacked messages at ${rate} msg/s`);
  assert.equal(first.s.inFlight, 500, 'all 500 in flight at once, none acknowledged');
  assert.deepEqual(new Set(texts(first.got)), new Set(sent));
  await closeSession(first.s);

  const second = session({ clientId: 'hold-acks', filters });
  let sessionPresent: boolean | undefined;
  second.s.on('connect', (c: { sessionPresent: boolean }) => (sessionPresent = c.sessionPresent));
  await second.s.start();
  await until('500 redeliveries', () => second.got.length === 500);
  assert.equal(sessionPresent, true);
  assert.deepEqual(new Set(texts(second.got)), new Set(sent));
  assert.ok(second.got.every((d) => d.dup), 'the broker marks them as redeliveries');
  for (const d of second.got) second.s.ack(d);
  assert.equal(second.s.inFlight, 0);
  await closeSession(second.s);

  const third = session({ clientId: 'hold-acks', filters });
  await third.s.start();
  await sleep(500);
  assert.equal(third.got.length, 0, 'acknowledged messages are not redelivered');
});

test('an ack behind an unacked message waits: acking the later half sends nothing, acking the earlier half frees only it', async () => {
  const filters = ['vision/t2/+/+/detection'];
  const sent = names('order', 200);
  const first = session({ clientId: 'ack-order', filters });
  await first.s.start();
  await publish(mosquitto.url, 'vision/t2/s/c/detection', sent);
  await until('200 deliveries', () => first.got.length === 200);
  for (const d of first.got.slice(100)) first.s.ack(d);
  assert.equal(first.s.inFlight, 100);
  await closeSession(first.s);

  // Had the later half been acknowledged out of order, only the earlier half would come back here.
  const second = session({ clientId: 'ack-order', filters });
  await second.s.start();
  await until('200 redeliveries', () => second.got.length === 200);
  assert.deepEqual(new Set(texts(second.got)), new Set(sent));
  const earlier = second.got.slice(0, 100);
  for (const d of earlier) second.s.ack(d);
  await closeSession(second.s);

  const third = session({ clientId: 'ack-order', filters });
  await third.s.start();
  await until('100 redeliveries', () => third.got.length === 100);
  await sleep(200);
  assert.equal(third.got.length, 100);
  assert.deepEqual(new Set(texts(third.got)), new Set(texts(second.got.slice(100))));
  for (const d of third.got) third.s.ack(d);
});

test('two sessions on one shared subscription split 1000 messages with none lost or doubled', async () => {
  const filters = ['$share/g/vision/+/+/+/detection'];
  const a = session({ clientId: 'share-a', filters });
  const b = session({ clientId: 'share-b', filters });
  for (const { s, got } of [a, b]) s.on('message', () => s.ack(got[got.length - 1]));
  await Promise.all([a.s.start(), b.s.start()]);
  const sent = names('share', 1000);
  await publish(mosquitto.url, 'vision/t3/s/c/detection', sent);
  await until('1000 deliveries in total', () => a.got.length + b.got.length >= 1000);
  await sleep(200);
  assert.ok(a.got.length > 0 && b.got.length > 0, `split ${a.got.length}/${b.got.length}`);
  assert.equal(a.got.length + b.got.length, 1000);
  assert.deepEqual(new Set([...texts(a.got), ...texts(b.got)]), new Set(sent));
  // Leave no offline shared sessions behind to collect later tests' traffic.
  await Promise.all([closeSession(a.s), closeSession(b.s)]);
});

test('works against Aedes with MQTT 3.1.1: receives, acks, and nothing comes back after reconnect', async () => {
  const aedes = await startEmbeddedBroker();
  try {
    const options = { url: aedes.url, clientId: 'aedes-v4', filters: ['vision/+/+/+/detection'], protocolVersion: 4 as const };
    const first = session(options);
    await first.s.start();
    const sent = names('aedes', 300);
    await publish(aedes.url, 'vision/t4/s/c/detection', sent, 4);
    await until('300 deliveries', () => first.got.length === 300);
    assert.deepEqual(new Set(texts(first.got)), new Set(sent));
    for (const d of first.got) first.s.ack(d);
    assert.equal(first.s.inFlight, 0);
    await closeSession(first.s);

    const second = session(options);
    await second.s.start();
    await sleep(500);
    assert.equal(second.got.length, 0);
    await closeSession(second.s);
  } finally {
    await aedes.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { MqttFraming } from '../../src/consumer/mqtt/framing.ts';

/** A deterministic generator, so a failure names the seed that found it. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const TOPICS = ['vision/eu/plant-1/cam-01/detection', 'a', 'vision/eu/plant-1/cam-ü€/status', 'x'.repeat(300)];

/** Packets a subscriber is sent, PUBLISH mostly, with and without properties, and the others in between. */
function packets(version: 4 | 5, n: number, rand: () => number): Packet[] {
  const out: Packet[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const size = [0, 1, 120, 127, 128, 420, 16_383, 16_384, 70_000][Math.floor(rand() * 9)];
    const payload = Buffer.alloc(size, i % 251);
    const qos = (rand() < 0.8 ? 1 : 0) as 0 | 1;
    const publish = {
      cmd: 'publish' as const,
      topic: TOPICS[Math.floor(rand() * TOPICS.length)],
      payload,
      qos,
      messageId: qos ? 1 + Math.floor(rand() * 65535) : undefined,
      dup: qos === 1 && rand() < 0.2,
      retain: rand() < 0.1,
    };
    if (r < 0.7) out.push(publish);
    else if (r < 0.8 && version === 5)
      out.push({ ...publish, properties: { userProperties: { k: 'v' }, contentType: 'application/json' } });
    else if (r < 0.85) out.push({ ...publish, qos: 2, messageId: 7 });
    else if (r < 0.9) out.push({ cmd: 'pingresp' });
    else if (r < 0.95) out.push({ cmd: 'suback', messageId: 1, granted: [1, 0x80] });
    else out.push({ cmd: 'connack', sessionPresent: rand() < 0.5, ...(version === 5 ? { reasonCode: 0 } : { returnCode: 0 }) });
  }
  return out;
}

/** What a consumer reads of a packet, whichever parser produced it. */
const seen = (p: Packet) => {
  if (p.cmd !== 'publish') return { cmd: p.cmd };
  return {
    cmd: p.cmd,
    topic: p.topic,
    payload: Buffer.from(p.payload as Buffer).toString('hex'),
    qos: p.qos,
    dup: p.dup,
    retain: p.retain,
    messageId: p.qos ? p.messageId : undefined,
    properties: p.properties,
  };
};

for (const version of [4, 5] as const) {
  test(`mqtt framing, MQTT ${version === 5 ? '5' : '3.1.1'}: the same packets, in the same order, as mqtt-packet alone, however the bytes are cut`, {
    timeout: 60_000,
  }, () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = random(seed);
      const sent = packets(version, 400, rand);
      const bytes = Buffer.concat(sent.map((p) => mqttPacket.generate(p, { protocolVersion: version })));

      const expected: ReturnType<typeof seen>[] = [];
      const reference = mqttPacket.parser({ protocolVersion: version });
      reference.on('packet', (p: Packet) => expected.push(seen(p)));
      reference.parse(bytes);

      const got: ReturnType<typeof seen>[] = [];
      let fast = 0;
      const library = mqttPacket.parser({ protocolVersion: version });
      library.on('packet', (p: Packet) => got.push(seen(p)));
      const framing = new MqttFraming(version, {
        publish: (p) => (fast++, got.push(seen(p as Packet))),
        other: (b) => library.parse(b),
        error: (err) => assert.fail(err),
      });
      // Cuts anywhere: inside a fixed header, its remaining length, a topic, a packet id, a payload.
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(rand() * (rand() < 0.3 ? 8 : 70_000));
        framing.push(bytes.subarray(at, at + n));
        at += n;
      }
      assert.equal(expected.length, sent.length, `seed ${seed}: mqtt-packet read every packet`);
      assert.deepEqual(got, expected, `seed ${seed}`);
      assert.ok(fast > sent.length / 2, `seed ${seed}: the fast path took the plain PUBLISHes (${fast} of ${sent.length})`);
    }
  });
}

test('mqtt framing: a remaining length of more than four bytes is an error, not a wait for more', { timeout: 10_000 }, () => {
  const errors: Error[] = [];
  const framing = new MqttFraming(5, {
    publish: () => assert.fail('no packet'),
    other: () => assert.fail('no packet'),
    error: (e) => errors.push(e),
  });
  framing.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /remaining length/);
});

test('mqtt framing: a PUBLISH with both QoS bits set goes to mqtt-packet, which refuses it', { timeout: 10_000 }, () => {
  const handed: Buffer[] = [];
  const framing = new MqttFraming(5, {
    publish: () => assert.fail('not on the fast path'),
    other: (b) => handed.push(Buffer.from(b)),
    error: (e) => assert.fail(e),
  });
  const packet = Buffer.from([0x36, 0x06, 0x00, 0x01, 0x74, 0x00, 0x01, 0x00]);
  framing.push(packet);
  assert.deepEqual(handed, [packet]);
  const errors: Error[] = [];
  const library = mqttPacket.parser({ protocolVersion: 5 });
  library.on('error', (e: Error) => errors.push(e));
  library.parse(handed[0]);
  assert.match(errors[0]?.message ?? '', /QoS/);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startMosquitto, type RunningMosquitto } from '../../../src/proof/services/mosquitto.ts';
import { collectEvidence, evidenceFor, jpegNear, noiseJpeg, stampBytes } from './support.ts';
import { transportOn } from './transport-support.ts';

let broker: RunningMosquitto;
const cleanups: (() => unknown)[] = [];
before(async () => {
  // Mosquitto drops the connection of a client whose PUBLISH is over this size (seen here with MQTT 5 and QoS 1).
  broker = await startMosquitto({ extraConfig: ['message_size_limit 500000'] });
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await broker?.close();
});

test('an image the broker refuses three times is dropped and counted, and the queue goes on', { timeout: 60_000 }, async () => {
  const collector = await collectEvidence(broker.url);
  cleanups.push(() => collector.close());
  const transport = transportOn(broker.url, { reconnectMaxMs: 200 }, cleanups);
  const refused = evidenceFor(await jpegNear(990_000));
  const small = await noiseJpeg(64);
  const fine = Array.from({ length: 5 }, () => evidenceFor(small));
  transport.queue.offer(refused.payload, refused.meta);
  for (const o of fine) transport.queue.offer(o.payload, o.meta);
  transport.start();
  await collector.waitFor(fine.length, 20_000, () => transport.stats());
  assert.ok(await transport.drain(20_000), JSON.stringify(transport.stats()));
  const s = transport.stats();
  assert.deepEqual(
    [s.rejected, s.dropped, s.dropped_bytes, s.acked, s.queued],
    [1, 1, refused.payload.byteLength + stampBytes(0), 5, 0],
    JSON.stringify(s),
  );
  // The refused image three times, alone after the first loss; the small one sent beside it the first time, again.
  assert.ok(s.sent === 3 + 5 || s.sent === 3 + 5 + 1, `sent ${s.sent}`);
  assert.equal(s.reconnects, 3);
  assert.equal(collector.byId.has(refused.event_id), false);
});

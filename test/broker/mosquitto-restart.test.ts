/**
 * What docs/operations.md says about Mosquitto restarts, checked against the Mosquitto the suite runs.
 * If a newer Mosquitto restores shared subscriptions, the first test fails: update the docs and let the
 * broker-restart chaos scenario use the shared subscription again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { startMosquitto } from '../../src/proof/services/mosquitto.ts';

async function receivedAfterRestart(filter: string): Promise<number> {
  const broker = await startMosquitto();
  try {
    const opts = { protocolVersion: 5 as const, clientId: 'restart-probe', clean: false, resubscribe: false, properties: { sessionExpiryInterval: 600 } };
    const member = await mqtt.connectAsync(broker.url, opts);
    await member.subscribeAsync(filter, { qos: 1 });
    await member.endAsync();
    await broker.restart();
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'restart-pub' });
    for (let i = 0; i < 5; i++) await pub.publishAsync('vision/eu/p/c/detection', `m${i}`, { qos: 1 });
    await pub.endAsync();
    const back = mqtt.connect(broker.url, opts);
    let received = 0;
    back.on('message', () => received++);
    await new Promise((r) => setTimeout(r, 800));
    await back.endAsync();
    return received;
  } finally {
    await broker.close();
  }
}

test('mosquitto 2.0 does not restore a shared subscription after a restart: messages before the member resubscribes are dropped', async () => {
  assert.equal(await receivedAfterRestart('$share/g/vision/+/+/+/detection'), 0);
});

test('mosquitto 2.0 restores a plain persistent subscription after a restart and queues for it', async () => {
  assert.equal(await receivedAfterRestart('vision/+/+/+/detection'), 5);
});

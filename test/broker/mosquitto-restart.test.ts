/**
 * What docs/operations.md says about Mosquitto restarts, checked against the Mosquitto the suite runs.
 * If a newer Mosquitto restores shared subscriptions, the first test fails: update the docs and let the
 * broker-restart chaos scenario use the shared subscription again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { startMosquitto } from '../../src/proof/services/mosquitto.ts';
import { waitFor } from '../helpers/wait.ts';

const TOPIC = 'vision/eu/p/c/detection';
const SENT = ['m0', 'm1', 'm2', 'm3', 'm4'];

/**
 * A member subscribes with a persistent session and leaves; the broker restarts; five messages are published
 * while the member is away; then the member comes back. Returns which of the five reached it.
 *
 * Counting stops only once the path is shown live: after the reconnect the member subscribes again and a
 * control message published after that must arrive. The broker hands a resumed session its queued messages
 * before anything published later, so when the control is in, everything the broker kept for the member is
 * in too. A slow or broken reconnect fails the wait instead of reading as "nothing queued".
 */
async function receivedAfterRestart(filter: string): Promise<string[]> {
  const broker = await startMosquitto();
  const clients: mqtt.MqttClient[] = [];
  try {
    const opts = {
      protocolVersion: 5 as const,
      clientId: 'restart-probe',
      clean: false,
      resubscribe: false,
      properties: { sessionExpiryInterval: 600 },
    };
    const member = await mqtt.connectAsync(broker.url, opts);
    await member.subscribeAsync(filter, { qos: 1 });
    await member.endAsync();
    await broker.restart();
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'restart-pub' });
    clients.push(pub);
    for (const m of SENT) await pub.publishAsync(TOPIC, m, { qos: 1 });

    const received: string[] = [];
    const back = mqtt.connect(broker.url, opts);
    clients.push(back);
    back.on('message', (_topic, payload) => received.push(payload.toString()));
    await waitFor(() => back.connected, 15_000, 'the member to reconnect');
    await back.subscribeAsync(filter, { qos: 1 });
    await pub.publishAsync(TOPIC, 'control', { qos: 1 });
    await waitFor(() => received.includes('control'), 15_000, 'the control message after the resubscribe');
    return received.filter((m) => m !== 'control');
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker.close();
  }
}

test('mosquitto 2.0 does not restore a shared subscription after a restart: messages before the member resubscribes are dropped', {
  timeout: 60_000,
}, async () => {
  assert.deepEqual(await receivedAfterRestart('$share/g/vision/+/+/+/detection'), []);
});

test('mosquitto 2.0 restores a plain persistent subscription after a restart and queues for it', { timeout: 60_000 }, async () => {
  assert.deepEqual(await receivedAfterRestart('vision/+/+/+/detection'), SENT);
});

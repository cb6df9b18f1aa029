import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AlertEngine } from '../../src/alerting/engine.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { FakeClock } from './fake-clock.ts';
import { eventsEvery, MIN, pgEngine, silentConfig } from './harness.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';
import { terminateBackend } from '../helpers/terminate-backend.ts';

const T = (hhmm: string) => Date.parse(`2026-12-02T${hhmm}:00.000Z`);

const engineOn = (url: string, schema: string, hook: WebhookReceiver, clock: FakeClock) =>
  pgEngine(url, schema, clock, (reader, state, lock) => new AlertEngine({ config: silentConfig(hook.url), reader, state, lock, clock }));

describe('alerting engines sharing PostgreSQL', () => {
  let server: RunningPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test('two engines on one store: exactly one evaluates and notifies, the other mirrors its state', { timeout: 90_000 }, async () => {
    const hook = await startWebhookReceiver();
    const clock = new FakeClock(T('05:00'));
    const a = await engineOn(server.url, 'two_engines', hook, clock);
    const b = await engineOn(server.url, 'two_engines', hook, clock);
    try {
      await a.reader.write([...eventsEvery('cam-a', T('04:00'), T('04:30')), ...eventsEvery('cam-b', T('04:00'), T('06:00'))], new Date());
      for (let t = T('05:00'); t <= T('05:20'); t += MIN) {
        clock.set(t);
        await Promise.all([a.engine.tick(), b.engine.tick()]);
        await Promise.all([a.engine.deliver(), b.engine.deliver()]);
      }
      assert.deepEqual([a.engine.isLeader(), b.engine.isLeader()].sort(), [false, true], 'one leader');
      assert.equal(hook.bodies.length, 1, 'one page for one transition');
      assert.equal(hook.bodies[0].alerts[0].labels.camera, 'cam-a');
      const standby = a.engine.isLeader() ? b.engine : a.engine;
      assert.deepEqual(
        standby
          .instances()
          .filter((i) => i.state === 'firing')
          .map((i) => i.key),
        ['camera-silent|eu/plant-1/cam-a'],
      );
    } finally {
      await a.close();
      await b.close();
      await hook.close();
    }
  });

  test('when the notifying engine dies, the other takes over: its queued page is sent once, nothing is re-paged', {
    timeout: 90_000,
  }, async () => {
    const hook = await startWebhookReceiver();
    const clock = new FakeClock(T('05:00'));
    const a = await engineOn(server.url, 'takeover', hook, clock);
    const b = await engineOn(server.url, 'takeover', hook, clock);
    try {
      await a.reader.write([...eventsEvery('cam-a', T('04:00'), T('04:30')), ...eventsEvery('cam-a', T('05:30'), T('06:00'))], new Date());
      clock.set(T('05:00'));
      await a.engine.tick();
      await b.engine.tick();
      assert.deepEqual([a.engine.isLeader(), b.engine.isLeader()], [true, false]);
      clock.set(T('05:01'));
      await a.engine.tick(); // firing: committed with its notification, not yet delivered
      assert.equal(await a.state.outboxDepth(), 1);
      // A dies: the server ends its lock session, as it does when the process is killed.
      await terminateBackend(server.url, await a.lock.backendPid());
      clock.set(T('05:02'));
      await b.engine.tick();
      assert.equal(b.engine.isLeader(), true, 'B took the lock');
      assert.equal(await b.engine.deliver(), 1, 'B sent the page A had queued');
      // A zombie A finds its lock gone and neither evaluates nor sends.
      await a.engine.tick();
      assert.equal(a.engine.isLeader(), false);
      assert.equal(await a.engine.deliver(), 0);
      for (let t = T('05:03'); t <= T('05:40'); t += MIN) {
        clock.set(t);
        await b.engine.tick();
        await b.engine.deliver();
      }
      assert.deepEqual(
        hook.bodies.map((x) => `${x.status}:${x.alerts[0].transition_id}`),
        ['firing:camera-silent|eu/plant-1/cam-a#1', 'resolved:camera-silent|eu/plant-1/cam-a#2'],
      );
    } finally {
      await a.close();
      await b.close();
      await hook.close();
    }
  });
});

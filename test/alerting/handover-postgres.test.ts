/**
 * The handover notice with engines sharing one PostgreSQL (started by the test): two engines at the same shift
 * end send one notice; a leader that dies after queueing it leaves it to the other, which sends it once; and the
 * outbox itself keeps one row per notice and receiver when two queues race without the lock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AlertsConfig } from '../../src/alerting/alerts-config.ts';
import { HandoverQueue } from '../../src/alerting/handover/queue.ts';
import { summarizeShift } from '../../src/alerting/shifts/summary.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { PostgresAlertState } from '../../src/store/postgres/alert-state.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { pino } from 'pino';
import { FakeClock } from './fake-clock.ts';
import { eventsEvery, pgEngine } from './harness.ts';
import { handoverConfig, handoverEngine, MIN, notices } from './handover-harness.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';
import { terminateBackend } from '../helpers/terminate-backend.ts';

// The spring night 2026-03-28 22:00 CET to 2026-03-29 06:00 CEST (21:00Z to 04:00Z); the night before is off.
const START = Date.parse('2026-03-28T21:00:00.000Z');
const END = Date.parse('2026-03-29T04:00:00.000Z');
const config = (hook: WebhookReceiver) => handoverConfig(hook.url, { daysOff: ['2026-03-27'] });

const engineOn = (url: string, schema: string, c: AlertsConfig, clock: FakeClock) => pgEngine(url, schema, clock, handoverEngine(c));

describe('the handover notice with engines sharing PostgreSQL', () => {
  let server: RunningPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test('two engines at the same shift end: one notice, with the shift summarized from PostgreSQL', { timeout: 90_000 }, async () => {
    const hook = await startWebhookReceiver();
    const clock = new FakeClock(END - 5 * MIN);
    const a = await engineOn(server.url, 'handover_two', config(hook), clock);
    const b = await engineOn(server.url, 'handover_two', config(hook), clock);
    try {
      await a.reader.write(eventsEvery('cam-a', START, END), new Date(START));
      for (let t = END - 5 * MIN; t <= END + 30 * MIN; t += MIN) {
        clock.set(t);
        await Promise.all([a.engine.tick(), b.engine.tick()]);
        await Promise.all([a.engine.deliver(), b.engine.deliver()]);
      }
      assert.deepEqual([a.engine.isLeader(), b.engine.isLeader()].sort(), [false, true], 'one leader');
      assert.deepEqual(
        notices(hook).map((n) => [n.id, n.summary.plant.events.value, n.summary.run.minutes]),
        [[`handover:night:${START}`, 420, 420]],
      );
    } finally {
      await a.close();
      await b.close();
      await hook.close();
    }
  });

  test('the leader dies after queueing the notice, the receiver down: the other engine delivers it once', { timeout: 90_000 }, async () => {
    const hook = await startWebhookReceiver();
    const clock = new FakeClock(END);
    const a = await engineOn(server.url, 'handover_takeover', config(hook), clock);
    const b = await engineOn(server.url, 'handover_takeover', config(hook), clock);
    try {
      await a.engine.tick();
      await b.engine.tick();
      assert.deepEqual([a.engine.isLeader(), b.engine.isLeader()], [true, false]);
      hook.down = true;
      clock.set(END + MIN);
      await a.engine.tick();
      await a.engine.deliver();
      assert.deepEqual([hook.refused, hook.bodies.length, await a.state.outboxDepth()], [1, 0, 1]);
      // A dies: the server ends its lock session, as it does when the process is killed.
      await terminateBackend(server.url, await a.lock.backendPid());
      hook.down = false;
      for (let t = END + 2 * MIN; t <= END + 30 * MIN; t += MIN) {
        clock.set(t);
        await Promise.all([a.engine.tick(), b.engine.tick()]);
        await Promise.all([a.engine.deliver(), b.engine.deliver()]);
      }
      assert.equal(b.engine.isLeader(), true, 'B took over');
      assert.deepEqual(
        notices(hook).map((n) => n.id),
        [`handover:night:${START}`],
      );
      assert.equal(await b.state.outboxDepth(), 0);
    } finally {
      await a.close();
      await b.close();
      await hook.close();
    }
  });

  test('two queues racing without the lock store one row per notice and receiver', { timeout: 90_000 }, async () => {
    const hook = await startWebhookReceiver();
    const c = handoverConfig(hook.url, {
      daysOff: ['2026-03-27'],
      receivers: [
        { name: 'hook', type: 'webhook', url: hook.url },
        { name: 'log', type: 'log' },
      ],
      handover: { receivers: ['hook', 'log'] },
    });
    // Both summaries start before either queue writes: each has found the notice missing from the outbox.
    let started = 0;
    let bothStarted: () => void = () => {};
    const barrier = new Promise<void>((resolve) => (bothStarted = resolve));
    const sides = await Promise.all(
      [0, 1].map(async () => {
        const reader = new PostgresStore({ url: server.url, schema: 'handover_race', timescale: 'off' });
        await reader.open();
        const state = new PostgresAlertState({ url: server.url, schema: 'handover_race' });
        await state.open();
        const queue = new HandoverQueue({
          settings: c.handover!,
          calendar: c.calendar,
          state,
          summarize: async (run, nowMs) => {
            if (++started === 2) bothStarted();
            await barrier;
            return summarizeShift(reader.capabilities.shiftCounts!, c.calendar, run, { nowMs });
          },
          logger: pino({ level: 'silent' }),
        });
        return { reader, state, queue };
      }),
    );
    try {
      const [x, y] = await Promise.all(sides.map((s) => s.queue.queueDue(END + MIN, undefined, async () => true)));
      // Both queued it; the outbox kept the first of each (id, receiver).
      assert.deepEqual([x, y], [[`handover:night:${START}`], [`handover:night:${START}`]]);
      const rows = await sides[0].state.dueNotifications(END + MIN, 10);
      assert.deepEqual(
        rows.map((r) => [r.id, r.receiver]),
        [
          [`handover:night:${START}`, 'hook'],
          [`handover:night:${START}`, 'log'],
        ],
      );
      assert.deepEqual(
        await sides[1].state.queuedIds([`handover:night:${START}`, 'handover:night:0']),
        new Set([`handover:night:${START}`]),
      );
      assert.equal(await sides[1].state.queueOnce(rows.map((r) => ({ ...r, body: {} }))), 0, 'queued again: nothing added');
    } finally {
      for (const s of sides) {
        await s.state.close();
        await s.reader.close();
      }
      await hook.close();
    }
  });
});

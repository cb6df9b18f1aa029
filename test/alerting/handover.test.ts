/**
 * The handover notice on a real DuckDB file and a fake clock: one notice per shift end, with the shift's
 * summary and a link to it, through restarts around the end, a receiver down at the end, days off and the
 * 24 h look-back. engine-level; handover-postgres.test.ts runs two engines, handover-process.test.ts SIGKILLs one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { parseAlertsConfig } from '../../src/alerting/alerts-config.ts';
import { AlertEngine } from '../../src/alerting/engine.ts';
import { handoverSummary, HandoverQueue } from '../../src/alerting/handover/queue.ts';
import { logNotifier } from '../../src/alerting/notifiers/log.ts';
import { resolveShift } from '../../src/alerting/shifts/ranges.ts';
import { summarizeShift } from '../../src/alerting/shifts/summary.ts';
import { isSeamError } from '../../src/contract/index.ts';
import type { AlertStateStore } from '../../src/store/alert-state.ts';
import { LOCAL_LOCK } from '../../src/store/duckdb/alert-state.ts';
import type { StoreReader } from '../../src/store/reader.ts';
import { duckHarness, eventsEvery } from './harness.ts';
import { handoverConfig, MIN, notices } from './handover-harness.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

/** The runs a receiver was handed over, as `shift@date`, in the order it got them. */
const names = (hook: Parameters<typeof notices>[0]) => notices(hook).map((n) => `${n.shift}@${n.date}`);
const Z = (iso: string) => Date.parse(`${iso}:00.000Z`);
// The spring night: Saturday 2026-03-28 22:00 CET (21:00Z) to Sunday 06:00 CEST (04:00Z), 7 real hours.
const SPRING_START = Z('2026-03-28T21:00');
const SPRING_END = Z('2026-03-29T04:00');
// The autumn night: Saturday 2026-10-24 22:00 CEST (20:00Z) to Sunday 06:00 CET (05:00Z), 9 real hours.
const AUTUMN_START = Z('2026-10-24T20:00');
const AUTUMN_END = Z('2026-10-25T05:00');

/** cam-a every minute of the shift (and one minute either side), cam-b for its first two hours only. */
function nightEvents(startMs: number, endMs: number) {
  return [...eventsEvery('cam-a', startMs - MIN, endMs + MIN), ...eventsEvery('cam-b', startMs, startMs + 120 * MIN)];
}

test('at the end of the spring night, one notice: its 7 hours summarized, a link to the shift, sent once', {
  timeout: 60_000,
}, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(handoverConfig(hook.url), SPRING_END - 10 * MIN);
  try {
    await h.store.write(nightEvents(SPRING_START, SPRING_END), new Date(SPRING_START));
    await h.at(SPRING_END - 10 * MIN);
    // The night before ended 23 h 10 m ago, inside the 24 h look-back: an engine that starts now hands it over late.
    assert.deepEqual(names(hook), ['night@2026-03-27']);
    for (let t = SPRING_END - 9 * MIN; t <= SPRING_END; t += MIN) await h.at(t);
    await h.at(SPRING_END + 30_000);
    assert.deepEqual(names(hook), ['night@2026-03-27'], 'nothing before the end plus the 1m delay');
    await h.at(SPRING_END + MIN);
    assert.deepEqual(names(hook), ['night@2026-03-27', 'night@2026-03-28']);
    const n = notices(hook)[1];
    assert.equal(n.version, 'seamline.handover.v1');
    assert.equal(n.id, `handover:night:${SPRING_START}`);
    assert.equal(hook.keys[1], n.id, 'the id is the Idempotency-Key too');
    assert.deepEqual(
      [n.receiver, n.shift, n.date, n.starts_at, n.ends_at, n.created_at],
      ['hook', 'night', '2026-03-28', '2026-03-28T21:00:00.000Z', '2026-03-29T04:00:00.000Z', new Date(SPRING_END + MIN).toISOString()],
    );
    assert.equal(n.url, 'https://seamline.plant.example/?shift=night@2026-03-28');
    assert.equal(n.summary.run.minutes, 420);
    const cam = (c: string) => n.summary.cameras.find((r) => r.camera === c)!;
    assert.deepEqual([n.summary.plant.events.value, cam('cam-a').events.value, cam('cam-b').events.value], [540, 420, 120]);
    assert.deepEqual([cam('cam-a').minutesSilent.value, cam('cam-b').minutesSilent.value], [0, 300]);
    // The very summary the page and `report shift` show for that run.
    const { calendar } = handoverConfig(hook.url);
    const run = resolveShift(calendar, { shift: 'night', date: '2026-03-28' }, SPRING_END);
    const direct = await summarizeShift(h.store.capabilities.shiftCounts!, calendar, run, { nowMs: SPRING_END + MIN });
    assert.deepEqual(n.summary, JSON.parse(JSON.stringify(direct)));
    for (let t = SPRING_END + 2 * MIN; t < SPRING_END + 12 * 60 * MIN; t += 10 * MIN) await h.at(t);
    assert.deepEqual(names(hook), ['night@2026-03-27', 'night@2026-03-28'], 'once per shift end');
  } finally {
    await h.close();
    await hook.close();
  }
});

test('the autumn night gives its 9 hours; its notice counts the events inside them', { timeout: 60_000 }, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(handoverConfig(hook.url), AUTUMN_END);
  try {
    await h.store.write(nightEvents(AUTUMN_START, AUTUMN_END), new Date(AUTUMN_START));
    await h.at(AUTUMN_END + MIN);
    assert.deepEqual(
      notices(hook).map((n) => [n.id, n.date, n.summary.run.minutes, n.summary.plant.events.value]),
      [[`handover:night:${AUTUMN_START}`, '2026-10-24', 540, 660]],
    );
  } finally {
    await h.close();
    await hook.close();
  }
});

test('restarts before, at and after the shift end: the notice is queued once and delivered once', { timeout: 60_000 }, async () => {
  const hook = await startWebhookReceiver();
  // The night before is off, so this engine has one shift end to hand over.
  const h = await duckHarness(handoverConfig(hook.url, { daysOff: ['2026-03-27'] }), SPRING_END - 5 * MIN);
  try {
    await h.at(SPRING_END - 5 * MIN);
    await h.restart(); // down over the end: the restarted engine looks back for it
    await h.at(SPRING_END + 5 * MIN);
    assert.equal(hook.bodies.length, 1);
    await h.restart(); // after it was sent: never again
    for (let t = SPRING_END + 6 * MIN; t < SPRING_END + 120 * MIN; t += 5 * MIN) await h.at(t);
    assert.equal(hook.bodies.length, 1);
    assert.equal(await h.state.outboxDepth(), 0);

    // The next night: queued while the receiver refuses, then a restart before it was delivered.
    const next = SPRING_END + 24 * 60 * MIN;
    hook.down = true;
    await h.at(next + MIN);
    assert.deepEqual([hook.refused, hook.bodies.length, await h.state.outboxDepth()], [1, 1, 1]);
    await h.restart();
    hook.down = false;
    await h.at(next + 2 * MIN);
    assert.equal(hook.bodies.length, 2);
    assert.deepEqual(
      notices(hook).map((n) => n.date),
      ['2026-03-28', '2026-03-29'],
    );
    await h.restart();
    for (let t = next + 3 * MIN; t < next + 60 * MIN; t += 5 * MIN) await h.at(t);
    assert.equal(hook.bodies.length, 2);
  } finally {
    await h.close();
    await hook.close();
  }
});

test('a receiver down at the shift end gets the notice when it comes back, once, after the backoff', { timeout: 60_000 }, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(handoverConfig(hook.url, { daysOff: ['2026-03-27'] }), SPRING_END);
  try {
    hook.down = true;
    for (let t = SPRING_END; t <= SPRING_END + 30 * MIN; t += MIN) await h.at(t);
    // Tried at 04:01 and then as the backoff allows (1 s, 2 s, ... 64 s, 128 s, 256 s, 300 s): 12 tries by 04:30.
    assert.deepEqual([hook.refused, hook.bodies.length], [12, 0]);
    hook.down = false;
    await h.at(SPRING_END + 31 * MIN);
    assert.equal(hook.bodies.length, 0, 'the next try is due at 04:32');
    await h.at(SPRING_END + 32 * MIN);
    assert.deepEqual(
      notices(hook).map((n) => n.id),
      [`handover:night:${SPRING_START}`],
    );
    for (let t = SPRING_END + 33 * MIN; t < SPRING_END + 90 * MIN; t += 5 * MIN) await h.at(t);
    assert.equal(hook.bodies.length, 1);
  } finally {
    await h.close();
    await hook.close();
  }
});

test('a day off has no shift and no notice; an end more than 24 h before the engine starts is not sent', { timeout: 60_000 }, async () => {
  const hook = await startWebhookReceiver();
  // The night of the 28th is off. The night of the 27th ended 2026-03-28 05:00Z: 22 h 50 m before this engine's
  // first tick, so it is handed over late; the night of the 26th (ended 29 h 50 m before) is not.
  const h = await duckHarness(handoverConfig(hook.url, { daysOff: ['2026-03-28'] }), SPRING_END - 10 * MIN);
  try {
    for (let t = SPRING_END - 10 * MIN; t <= SPRING_END + 60 * MIN; t += 5 * MIN) await h.at(t);
    assert.deepEqual(
      notices(hook).map((n) => `${n.shift}@${n.date}`),
      ['night@2026-03-27'],
    );
  } finally {
    await h.close();
    await hook.close();
  }
});

test('a handover to a Slack receiver reads as the plant figures beside the previous shift, with the link; to the log, one line', {
  timeout: 60_000,
}, async () => {
  const hook = await startWebhookReceiver();
  const chat = await startWebhookReceiver();
  const config = handoverConfig(hook.url, {
    receivers: [
      { name: 'hook', type: 'webhook', url: hook.url },
      { name: 'chat', type: 'slack', url: chat.url },
    ],
    handover: { receivers: ['hook', 'chat'] },
  });
  const h = await duckHarness(config, SPRING_END);
  try {
    await h.store.write(nightEvents(SPRING_START - 24 * 60 * MIN, SPRING_END), new Date(SPRING_START));
    await h.at(SPRING_END + MIN);
    assert.deepEqual(names(hook), ['night@2026-03-27', 'night@2026-03-28']);
    assert.deepEqual(chat.keys, hook.keys, 'one id for each notice, whichever receiver');
    const text = (chat.bodies[1] as unknown as { text: string }).text.split('\n');
    assert.deepEqual(text.slice(0, 2), [
      '*Shift handover: night 2026-03-28* 22:00-06:00 Europe/Berlin, 7 h <https://seamline.plant.example/?shift=night@2026-03-28|open on the dashboard>',
      // This night cam-a alone (cam-b reported only the first two hours of the night before, 480 minutes long).
      'Events 420 (prev 600, week ago 0) · detections 840 (prev 1,200, week ago 0)',
    ]);
    assert.deepEqual(text.slice(2, -1), [
      // makeEvent's two boxes, a scratch and a dent, on every event; the week before had no events: no rate.
      'Defect rate: dent 100.0% per event (prev 100.0%, week ago -) · scratch 100.0% per event (prev 100.0%, week ago -)',
      'Camera-minutes silent 420 (prev 360, week ago 960) · offline 420 (prev 360, week ago 960)',
      'Events lost 0 (prev 0, week ago 0) · repaired 0 (prev 0, week ago 0) · dead letters 0 (prev 0, week ago 0)',
      'Alerts fired 0 (prev 0, week ago 0) · firing 0 min (prev 0, week ago 0)',
      '• *plant-1*: 420 events, 420 camera-min silent, 0 alert(s)',
    ]);
    assert.equal(text.at(-1), `_id handover:night:${SPRING_START}_`);
    // The log notifier: one info line, the notice beside its message.
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    await logNotifier.create({ name: 'log', type: 'log' }, logger).send(notices(hook)[1]);
    const [line] = lines.map((l) => JSON.parse(l));
    assert.deepEqual(
      [lines.length, line.level, line.msg, line.handover.id],
      [1, 30, 'shift handover night@2026-03-28: 420 events, 0 alert(s)', notices(hook)[1].id],
    );
  } finally {
    await h.close();
    await hook.close();
    await chat.close();
  }
});

test('DuckDB outbox: a notice queued twice is one row per receiver, whatever its state', { timeout: 30_000 }, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(handoverConfig(hook.url), SPRING_END);
  try {
    const rows = ['a', 'b'].map((receiver) => ({ id: 'handover:night:1', receiver, createdAt: 1, body: { n: 1 } }));
    assert.equal(await h.state.queueOnce(rows), 2);
    assert.equal(await h.state.queueOnce(rows.map((r) => ({ ...r, body: { n: 2 } }))), 0);
    await h.state.markSent('handover:night:1', 'a', 2);
    assert.equal(await h.state.queueOnce(rows), 0, 'a sent row is not queued again');
    const due = await h.state.dueNotifications(10, 10);
    assert.deepEqual(
      due.map((r) => [r.id, r.receiver, r.body]),
      [['handover:night:1', 'b', { n: 1 }]],
    );
    assert.deepEqual(await h.state.queuedIds(['handover:night:1', 'handover:night:2']), new Set(['handover:night:1']));
  } finally {
    await h.close();
    await hook.close();
  }
});

test('an engine that lost its lock while summarizing queues nothing; the next leader queues it', { timeout: 30_000 }, async () => {
  const hook = await startWebhookReceiver();
  const config = handoverConfig(hook.url, { daysOff: ['2026-03-27'] });
  const h = await duckHarness(config, SPRING_END + MIN);
  try {
    const queue = new HandoverQueue({
      settings: config.handover!,
      calendar: config.calendar,
      state: h.state,
      summarize: handoverSummary(h.store.capabilities.shiftCounts!, config.calendar, config.handover!),
      logger: pino({ level: 'silent' }),
    });
    assert.deepEqual(await queue.queueDue(SPRING_END + MIN, undefined, async () => false), []);
    assert.equal(await h.state.outboxDepth(), 0);
    assert.deepEqual(await queue.queueDue(SPRING_END + 2 * MIN, undefined, async () => true), [`handover:night:${SPRING_START}`]);
    assert.equal(await h.state.outboxDepth(), 1);
  } finally {
    await h.close();
    await hook.close();
  }
});

test('the handover section is checked field by field', { timeout: 10_000 }, () => {
  const base = handoverConfig('http://127.0.0.1:1/hook').source as unknown as Record<string, unknown>;
  const refusal = (handover: unknown, extra: Record<string, unknown> = {}) => {
    try {
      parseAlertsConfig({ ...base, handover, ...extra });
    } catch (err) {
      assert.ok(isSeamError(err) && err.code === 'SEAM_ERR_CONFIG', String(err));
      return [err.field, err.message];
    }
    return 'accepted';
  };
  assert.deepEqual(refusal({ receivers: ['nope'] }), [
    'handover.receivers[0]',
    'alerts config: handover.receivers[0] names no receiver: "nope"',
  ]);
  assert.deepEqual(refusal({ receivers: ['hook'], shifts: ['late'] }), [
    'handover.shifts[0]',
    'alerts config: handover.shifts[0] names no shift: "late"',
  ]);
  assert.deepEqual(refusal({ receivers: ['hook'] }, { shifts: {} }), [
    'handover',
    'alerts config: handover needs shifts: the config has none (add a shifts section)',
  ]);
  assert.deepEqual(refusal({ receivers: ['hook'], delay: '1d' }), [
    'handover.delay',
    'alerts config: handover.delay must be shorter than 24h',
  ]);
  const [field] = refusal({ receivers: ['hook'], delay: 'soon' }) as string[];
  assert.equal(field, 'handover.delay');
  assert.equal((refusal({ receivers: [] }) as string[])[0], 'handover.receivers');
  assert.equal(refusal({ receivers: ['hook'], shifts: ['night'], delay: '5m', partClass: 'part' }), 'accepted');
  // A store that keeps no shift counts (the line-protocol stores) cannot summarize a shift: refused at start.
  const reader = { capabilities: { shiftCounts: null } } as unknown as StoreReader;
  assert.throws(
    () => new AlertEngine({ config: handoverConfig('http://127.0.0.1:1/hook'), reader, state: {} as AlertStateStore, lock: LOCAL_LOCK }),
    { code: 'SEAM_ERR_CONFIG', field: 'handover', message: 'handover needs a store that keeps shift counts (duckdb or postgres)' },
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duckHarness, eventsEvery, MIN, silentConfig } from './harness.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

// Wednesday 2026-12-02; Berlin is UTC+1, so the 06:00-14:00 shift is 05:00Z-13:00Z.
const T = (hhmm: string) => Date.parse(`2026-12-02T${hhmm}:00.000Z`);
const firing = (bodies: { status: string; alerts: { labels: Record<string, string> }[] }[]) =>
  bodies.map((b) => `${b.status}:${b.alerts.map((a) => a.labels.camera).join(',')}`);

test('a camera already silent when its shift starts fires after `for`, once, and resolves with shift_ended at its end', {
  timeout: 60_000,
}, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(silentConfig(hook.url), T('03:00'));
  try {
    // cam-a reports all day; cam-b stopped at 04:00Z, an hour before the shift.
    await h.store.write(
      [...eventsEvery('cam-a', T('03:00'), T('14:00')), ...eventsEvery('cam-b', T('03:00'), T('04:00'))],
      new Date(T('03:00')),
    );
    for (let t = T('04:10'); t < T('05:00'); t += MIN) await h.at(t);
    assert.equal(hook.bodies.length, 0, 'silent for an hour outside the shift: no page');
    assert.equal(h.engine.instances().length, 0, 'not even evaluated outside the shift');
    await h.at(T('05:00'));
    assert.deepEqual(
      h.engine.instances().map((a) => [a.key, a.state]),
      [
        ['camera-silent|eu/plant-1/cam-a', 'inactive'],
        ['camera-silent|eu/plant-1/cam-b', 'pending'],
      ],
    );
    assert.equal(hook.bodies.length, 0);
    await h.at(T('05:01'));
    assert.deepEqual(firing(hook.bodies), ['firing:cam-b']);
    const [b] = hook.bodies;
    assert.equal(b.alerts[0].transition_id, 'camera-silent|eu/plant-1/cam-b#1');
    assert.equal(b.alerts[0].starts_at, new Date(T('05:01')).toISOString());
    assert.equal(b.alerts[0].summary, '0 detections in the last 5m');
    assert.deepEqual(b.group_labels, { alertname: 'camera-silent', site: 'plant-1' });
    assert.equal(hook.keys[0], b.id, 'the id travels in Idempotency-Key too');
    for (let t = T('05:02'); t < T('13:00'); t += 10 * MIN) await h.at(t);
    // Still firing: only the repeat_interval reminder (4h) at the first tick after 09:01.
    assert.deepEqual(firing(hook.bodies), ['firing:cam-b', 'firing:cam-b']);
    assert.deepEqual([hook.bodies[1].alerts[0].repeat, hook.bodies[1].created_at], [true, new Date(T('09:02')).toISOString()]);
    await h.at(T('13:00'));
    assert.deepEqual(firing(hook.bodies), ['firing:cam-b', 'firing:cam-b', 'resolved:cam-b']);
    assert.equal(hook.bodies[2].alerts[0].reason, 'shift_ended');
    assert.equal(hook.bodies[2].alerts[0].transition_id, 'camera-silent|eu/plant-1/cam-b#3');
    for (let t = T('13:01'); t < T('16:00'); t += 10 * MIN) await h.at(t);
    assert.equal(hook.bodies.length, 3, 'nothing after the shift');
  } finally {
    await h.close();
    await hook.close();
  }
});

test('a camera that stops during the shift goes pending, fires after `for`, and resolves when it reports again', {
  timeout: 60_000,
}, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(silentConfig(hook.url, { for: '2m' }), T('05:00'));
  try {
    // cam-a stops at 07:00Z and comes back at 07:20Z.
    await h.store.write([...eventsEvery('cam-a', T('04:00'), T('07:00')), ...eventsEvery('cam-a', T('07:20'), T('09:00'))], new Date());
    const states: string[] = [];
    for (let t = T('07:00'); t <= T('07:30'); t += MIN) {
      await h.at(t);
      states.push(h.engine.instances()[0].state[0]);
    }
    // Window [now-5m, now): the 06:59 event is in view until 07:04; silent from 07:05 (pending), firing at
    // 07:07; the 07:20 event is in the window from the 07:21 tick on.
    assert.equal(states.join(''), `iiiiipp${'f'.repeat(14)}${'r'.repeat(10)}`);
    assert.deepEqual(firing(hook.bodies), ['firing:cam-a', 'resolved:cam-a']);
    assert.equal(hook.bodies[0].alerts[0].starts_at, new Date(T('07:07')).toISOString());
    assert.equal(hook.bodies[1].alerts[0].ends_at, new Date(T('07:21')).toISOString());
    assert.equal(hook.bodies[1].alerts[0].reason, undefined);
  } finally {
    await h.close();
    await hook.close();
  }
});

test('keep_firing_for holds a flapping alert: one firing and one resolved notice, not one per flap', { timeout: 60_000 }, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(silentConfig(hook.url, { for: '0s', keepFiringFor: '10m', params: { window: '2m' } }), T('05:00'));
  try {
    // Reports at 06:00, then single events at 06:05 and 06:10 (each visible for 2 minutes), then steady from 06:20.
    await h.store.write(
      [
        ...eventsEvery('cam-a', T('05:00'), T('06:01')),
        ...eventsEvery('cam-a', T('06:05'), T('06:06')),
        ...eventsEvery('cam-a', T('06:10'), T('06:11')),
        ...eventsEvery('cam-a', T('06:20'), T('08:00')),
      ],
      new Date(),
    );
    for (let t = T('06:00'); t <= T('06:40'); t += MIN) await h.at(t);
    // Silent at 06:03 -> firing (for 0s). Condition false at the 06:06-06:07 and 06:11-06:12 ticks and from
    // 06:21 (an event is in the 2-minute window), so it last held at 06:20.
    assert.deepEqual(firing(hook.bodies), ['firing:cam-a', 'resolved:cam-a']);
    assert.equal(hook.bodies[0].alerts[0].starts_at, new Date(T('06:03')).toISOString());
    assert.equal(
      hook.bodies[1].alerts[0].ends_at,
      new Date(T('06:30')).toISOString(),
      'resolved 10 minutes after the condition last held (06:20)',
    );
  } finally {
    await h.close();
    await hook.close();
  }
});

test('with the receiver down a transition is retried with backoff and delivered exactly once when it is back', {
  timeout: 60_000,
}, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(silentConfig(hook.url), T('05:00'));
  try {
    await h.store.write(eventsEvery('cam-a', T('04:00'), T('04:30')), new Date());
    hook.down = true;
    await h.at(T('05:00'));
    await h.at(T('05:01'));
    assert.equal(hook.refused, 1, 'first attempt at the transition');
    // Deliver every second for 20 s: backoff 1, 2, 4, 8 s -> attempts at +1, +3, +7, +15 s.
    for (let s = 1; s <= 20; s++) {
      h.clock.set(T('05:01') + s * 1000);
      await h.engine.deliver();
    }
    assert.equal(hook.refused, 5, 'one attempt now and at 1, 3, 7 and 15 s: backoff, not one per pass');
    assert.equal(hook.bodies.length, 0);
    hook.down = false;
    h.clock.set(T('05:01') + 31_000);
    await h.engine.deliver();
    for (let s = 32; s < 60; s++) {
      h.clock.set(T('05:01') + s * 1000);
      await h.engine.deliver();
    }
    assert.deepEqual(firing(hook.bodies), ['firing:cam-a'], 'delivered once the receiver answered, and only once');
    assert.equal(await h.state.outboxDepth(), 0);
    // Resolve while down, then back: one resolved notice.
    await h.store.write(eventsEvery('cam-a', T('05:09'), T('05:10')), new Date());
    hook.down = true;
    await h.at(T('05:10'));
    hook.down = false;
    for (let s = 1; s < 30; s++) {
      h.clock.set(T('05:10') + s * 1000);
      await h.engine.deliver();
    }
    assert.deepEqual(firing(hook.bodies), ['firing:cam-a', 'resolved:cam-a']);
    assert.equal(new Set(hook.bodies.map((b) => b.id)).size, 2);
  } finally {
    await h.close();
    await hook.close();
  }
});

test('a restart neither forgets a pending alert nor re-pages a firing one', { timeout: 60_000 }, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(silentConfig(hook.url, { for: '3m' }), T('05:00'));
  try {
    await h.store.write(eventsEvery('cam-a', T('04:00'), T('04:30')), new Date());
    await h.at(T('05:00'));
    await h.at(T('05:01'));
    assert.equal(h.engine.instances()[0].state, 'pending');
    await h.restart();
    await h.at(T('05:02'));
    assert.equal(h.engine.instances()[0].activeAt, T('05:00'), 'pending since before the restart');
    await h.at(T('05:03'));
    assert.deepEqual(firing(hook.bodies), ['firing:cam-a'], 'fired 3 minutes after it went pending, across the restart');
    await h.restart();
    for (let t = T('05:04'); t < T('05:30'); t += MIN) await h.at(t);
    await h.restart();
    await h.at(T('05:30'));
    assert.equal(hook.bodies.length, 1, 'two restarts while firing: no second page');
    assert.equal(h.engine.instances()[0].state, 'firing');
  } finally {
    await h.close();
    await hook.close();
  }
});

test('alerts of one group that change together go out as one notification; repeat_interval re-sends while firing', {
  timeout: 60_000,
}, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(silentConfig(hook.url, { for: '0s', repeatInterval: '30m' }), T('05:00'));
  try {
    await h.store.write(
      [
        ...eventsEvery('cam-a', T('04:00'), T('04:30')),
        ...eventsEvery('cam-b', T('04:00'), T('04:30')),
        ...eventsEvery('cam-c', T('04:00'), T('04:30'), MIN, 'plant-2'),
      ],
      new Date(),
    );
    await h.at(T('05:00'));
    assert.deepEqual(firing(hook.bodies).sort(), ['firing:cam-a,cam-b', 'firing:cam-c'], 'grouped by alertname and site');
    for (let t = T('05:01'); t <= T('05:30'); t += MIN) await h.at(t);
    assert.equal(hook.bodies.length, 4, 'one repeat of each group at 30 minutes');
    assert.deepEqual(
      hook.bodies.slice(2).map((b) => b.alerts.map((a) => a.repeat)),
      [[true, true], [true]],
    );
    assert.equal(hook.bodies[2].alerts[0].starts_at, hook.bodies[0].alerts[0].starts_at, 'a repeat keeps the original start');
  } finally {
    await h.close();
    await hook.close();
  }
});

test('the shift starts at 06:00 Berlin time on both sides of the spring DST change (05:00Z, then 04:00Z)', {
  timeout: 60_000,
}, async () => {
  const hook = await startWebhookReceiver();
  const fri = Date.parse('2026-03-27T04:50:00Z');
  const h = await duckHarness(silentConfig(hook.url, { for: '0s', params: { window: '5m' } }), fri);
  try {
    await h.store.write(eventsEvery('cam-a', fri - 60 * MIN, fri - 30 * MIN), new Date());
    const firstPending = async (fromMs: number) => {
      for (let t = fromMs; t < fromMs + 30 * MIN; t += MIN) {
        await h.at(t);
        if (h.engine.instances()[0]?.state === 'firing') return new Date(t).toISOString();
      }
      return 'never';
    };
    assert.equal(await firstPending(fri), '2026-03-27T05:00:00.000Z', 'Friday, UTC+1');
    await h.at(Date.parse('2026-03-27T13:00:00Z'));
    assert.equal(h.engine.instances()[0].state, 'resolved', 'shift over at 14:00 local');
    assert.equal(await firstPending(Date.parse('2026-03-30T03:40:00Z')), '2026-03-30T04:00:00.000Z', 'Monday, UTC+2');
    assert.deepEqual(firing(hook.bodies), ['firing:cam-a', 'resolved:cam-a', 'firing:cam-a']);
  } finally {
    await h.close();
    await hook.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectionV1 } from '../../src/contract/index.ts';
import { encodePoint, eventPoints, identityRule } from '../../src/store/line-protocol/encode.ts';
import { appendEvent, LineBody } from '../../src/store/line-protocol/encode-event.ts';
import { LineProtocolStore, MAX_BODY_BYTES } from '../../src/store/line-protocol/store.ts';
import { makeEvent, makeEvents } from '../helpers/events.ts';

/** What the general path writes for an event: its points, encodePoint each, a newline after each line. */
const general = (e: DetectionV1, committedMs: number, rule: ReturnType<typeof identityRule>) =>
  eventPoints(e, committedMs, rule)
    .map((p) => `${encodePoint(p)}\n`)
    .join('');

const tricky: DetectionV1[] = [
  makeEvent({ seq: 7 }),
  makeEvent({ seq: 1_234_567, detections: [] }),
  makeEvent({ seq: 40, model: { name: 'yolo "v8", n\\x', version: 'a b=c,d\nnext' } }),
  makeEvent({
    seq: 3,
    region: 'a b',
    site: 's,1',
    camera: 'c=1',
    detections: [{ class: 'x y', class_id: 2.7, confidence: 1e-7, bbox: [0.5, -0, 1e21, 3] }],
  }),
  // Not a valid detection.v1: a number line protocol cannot carry takes the general path (the field is left out).
  makeEvent({ seq: 5, detections: [{ class: 'dent', class_id: 1, confidence: Number.NaN, bbox: [1, 2, Number.POSITIVE_INFINITY, 4] }] }),
];

test('line protocol: the event encoder writes exactly the bytes of eventPoints and encodePoint, for every flavour', {
  timeout: 10_000,
}, () => {
  const committedMs = Date.now() + 40;
  for (const rule of [identityRule('influxdb', 1), identityRule('victoriametrics', 32), identityRule('victoriametrics', 1)]) {
    const body = new LineBody();
    let want = '';
    for (const e of tricky) {
      appendEvent(body, e, committedMs, rule);
      want += general(e, committedMs, rule);
    }
    assert.equal(body.take().toString('utf8'), want, `precision ${rule.precision}, slot ${rule.slot(40) || 'none'}`);
    assert.equal(body.bytes, 0, 'take() empties the body');
  }
});

test("line protocol: a detection point carries its box and class, and its event's tags and time, nothing of the event's fields", {
  timeout: 10_000,
}, () => {
  const e = makeEvent({ seq: 41, detections: [{ class: 'scratch', class_id: 1, confidence: 0.91, bbox: [412, 188, 64, 30] }] });
  for (const rule of [identityRule('influxdb', 1), identityRule('victoriametrics', 32)]) {
    const body = new LineBody();
    appendEvent(body, e, Date.parse(e.captured_at) + 40, rule);
    const [event, detection] = body.take().toString('utf8').trimEnd().split('\n');
    const [eventTags, , eventTime] = event.split(' ');
    const [tags, fields, time] = detection.split(' ');
    assert.equal(fields, 'confidence=0.91,class_id=1i,x=412,y=188,w=64,h=30', `precision ${rule.precision}`);
    assert.equal(time, eventTime, 'the event time: how a query finds the event of a detection');
    for (const tag of eventTags.split(',').slice(1)) assert.ok(tags.split(',').includes(tag), `the event's tag ${tag}`);
  }
});

test('line protocol: the reused body grows past its first size, keeps what it held, and hands out copies', { timeout: 10_000 }, () => {
  const rule = identityRule('influxdb', 1);
  const body = new LineBody();
  const events = makeEvents(2_000);
  for (const e of events) appendEvent(body, e, 0, rule);
  const first = body.take();
  assert.ok(first.length > 1 << 16, `${first.length} bytes`);
  assert.equal(first.toString('utf8'), events.map((e) => general(e, 0, rule)).join(''));
  appendEvent(body, makeEvent({ model: { name: 'ü', version: '€' } }), 0, rule);
  const second = body.take().toString('utf8');
  assert.match(second, /model="ü@€"/);
  assert.equal(first.toString('utf8'), events.map((e) => general(e, 0, rule)).join(''), 'the first body is not overwritten');
});

test('line protocol: a batch whose body passes MAX_BODY_BYTES goes in several POSTs, each whole lines, together the batch', {
  timeout: 60_000,
}, async () => {
  const posts: Buffer[] = [];
  // A VictoriaMetrics that answers everything: its health and flags (empty: the default retention) and each write.
  const fake = (async (url: URL, init?: RequestInit) => {
    const write = url.pathname.endsWith('/write');
    if (write) posts.push(Buffer.from(init?.body as Uint8Array));
    return new Response(write ? null : '', { status: write ? 204 : 200 });
  }) as typeof fetch;
  const store = new LineProtocolStore({ flavour: 'victoriametrics', url: 'http://127.0.0.1:1', countDuplicates: false, fetch: fake });
  await store.open();
  const events = makeEvents(60_000, {}, Date.now() - 600_000, 1);
  const committed = new Date();
  const result = await store.write(events, committed);
  assert.deepEqual(result, { events: 60_000, detections: 120_000, duplicates: 0 });
  assert.ok(posts.length >= 2, `${posts.length} POSTs`);
  const rule = identityRule('victoriametrics', 32);
  const one = events.map((e) => general(e, committed.getTime(), rule)).join('');
  assert.equal(Buffer.concat(posts).toString('utf8'), one);
  for (const body of posts) {
    assert.ok(body.length <= MAX_BODY_BYTES + 4096, `${body.length} bytes`);
    assert.equal(body.at(-1), 0x0a, 'a body ends at the end of a line');
  }
});

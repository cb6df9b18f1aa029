/**
 * Images carried by HTTP and stdin records (src/edge/inputs/record-evidence.ts) on real parts: Mosquitto, the
 * bridge, its image queue and connection, and a consumer storing into a DirectoryEvidenceStore. A good image is
 * stored with its event's id and boxes; a bad one never costs its event, is counted, and is answered naming `image`;
 * a record the policy skips is never decoded.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { startHttpInput } from '../../../src/edge/inputs/http.ts';
import { runStdinInput } from '../../../src/edge/inputs/stdin.ts';
import type { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import { waitFor } from '../../helpers/wait.ts';
import { mosquittoSuite } from '../mosquitto-suite.ts';
import { collect } from '../support.ts';
import { H, jpeg, png, record, rig, W } from './support.ts';

const suite = mosquittoSuite();

type Answer = { event_id: string; seq: number; evidence?: string; error?: string; field?: string; reason?: string };

const post = async (url: string, body: unknown): Promise<{ status: number; answer: Answer }> => {
  const res = await fetch(`${url}/detections`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, answer: (await res.json()) as Answer };
};

async function storedCount(store: DirectoryEvidenceStore, n: number): Promise<void> {
  await waitFor(async () => (await store.stats()).images >= n, 20_000, `${n} images stored`);
}

describe('record images', () => {
  test('HTTP: a JPEG and a PNG record are stored with their events, ids and boxes; the events arrive without the image', {
    timeout: 60_000,
  }, async () => {
    const { bridge, images, store } = await rig(suite, 'http');
    const http = await startHttpInput(bridge, { images });
    suite.cleanups.push(() => http.close());
    const events = await collect(suite.broker.url, { filter: 'vision/eu/plant-1/+/detection' });
    // A noise PNG: its base64 is over the plain input's 260 KiB body, which a record with an image may exceed.
    const big = await png(W, H, true);
    assert.ok(big.byteLength * 1.34 > 270_000, `PNG of ${big.byteLength} bytes`);
    const a = await post(http.url, record('scratch', await jpeg()));
    const b = await post(http.url, record('dent', big, { camera: 'cam-other' }));
    for (const r of [a, b]) {
      assert.equal(r.status, 200, JSON.stringify(r.answer));
      assert.equal(r.answer.evidence, 'kept');
    }
    await events.waitFor(2, 10_000);
    await storedCount(store, 2);
    for (const [r, camera] of [
      [a, 'cam-http'],
      [b, 'cam-other'],
    ] as const) {
      const event = events.byId.get(r.answer.event_id)!;
      assert.equal(event.camera, camera);
      assert.equal('image' in event, false, 'the event is published without the image');
      const stored = (await store.get(r.answer.event_id))!;
      assert.ok(stored, `image of ${r.answer.event_id} stored`);
      assert.equal(stored.header.camera, camera);
      assert.equal(stored.header.seq, r.answer.seq);
      assert.equal(stored.header.captured_at, event.captured_at);
      assert.deepEqual(stored.header.frame, { width: W, height: H });
      assert.deepEqual(stored.header.detections, event.detections, "the image carries its event's boxes");
      assert.deepEqual(stored.header.model, event.model, "and its event's model");
      const meta = await sharp(stored.image).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', W, H]);
    }
    assert.deepEqual(images.stats(), { kept: 2, skipped: 0, busy: 0, refused: 0 });
    assert.equal(images.captureStats()?.captured, 2);
    const metrics = await (await fetch(`${http.url}/metrics`)).text();
    assert.match(metrics, /seamline_edge_evidence_record_images_total\{client_id="[^"]+",outcome="kept"\} 2/);
    assert.match(metrics, /seamline_edge_evidence_acked_total\{client_id="[^"]+"\} 2/);
    await events.close();
  });

  test('HTTP: a bad image never costs its event: refused naming image, counted, the rest goes on', { timeout: 60_000 }, async () => {
    const { bridge, images, store } = await rig(suite, 'bad', { maxImageBytes: 200_000 });
    const http = await startHttpInput(bridge, { images });
    suite.cleanups.push(() => http.close());
    const events = await collect(suite.broker.url, { filter: 'vision/eu/plant-1/cam-bad/detection' });
    const good = await jpeg();
    const cases: [string, unknown, RegExp][] = [
      ['truncated', good.subarray(0, 300), /cannot be decoded as JPEG/],
      ['wrong-size', await png(W / 2, H), /is 160x240, not the record's frame 320x240/],
      ['text', Buffer.from('this is not a picture at all'), /not a JPEG or PNG/],
      ['not-base64', 'AAAA*AA=', /not valid base64/],
      ['number', 42, /must be a base64 string/],
      ['oversize', await png(W, H, true), /larger than 200000 bytes/],
    ];
    // Each case its own class, so the policy keeps each record and its image is looked at.
    for (const [cls, image, reason] of cases) {
      const { status, answer } = await post(http.url, record(cls, image));
      assert.equal(status, 200, `${cls}: the event is accepted (${JSON.stringify(answer)})`);
      assert.equal(answer.evidence, 'refused', cls);
      assert.equal(answer.error, 'SEAM_ERR_INVALID_INPUT', cls);
      assert.equal(answer.field, 'image', cls);
      assert.match(answer.reason ?? '', reason, cls);
      assert.equal(answer.seq > 0, true);
    }
    const ok = await post(http.url, record('hole', good, { image: `data:image/jpeg;base64,${good.toString('base64')}` }));
    assert.equal(ok.answer.evidence, 'kept');
    await events.waitFor(cases.length + 1, 10_000);
    await storedCount(store, 1);
    assert.deepEqual(
      (await store.list({ limit: 10 })).map((e) => e.header.event_id),
      [ok.answer.event_id],
    );
    assert.deepEqual(images.stats(), { kept: 1, skipped: 0, busy: 0, refused: cases.length });
    const metrics = await (await fetch(`${http.url}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(`seamline_edge_evidence_record_images_total\\{client_id="[^"]+",outcome="refused"\\} ${cases.length}`),
    );
    await events.close();
  });

  test('a record the policy skips is not decoded: its image is never looked at', { timeout: 60_000 }, async () => {
    const { bridge, images } = await rig(suite, 'skip');
    const http = await startHttpInput(bridge, { images });
    suite.cleanups.push(() => http.close());
    // Corrupt images throughout: one decode shows up as a refusal, so only the first (kept) record may be refused.
    const corrupt = (await jpeg()).subarray(0, 300);
    const answers: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) answers.push((await post(http.url, record('scratch', corrupt))).answer.evidence);
    assert.deepEqual(answers, ['refused', 'skipped', 'skipped', 'skipped', 'skipped']);
    assert.deepEqual(images.stats(), { kept: 0, skipped: 4, busy: 0, refused: 1 });
    assert.equal(images.captureStats()?.skipped_by_policy, 4);
    const metrics = await (await fetch(`${http.url}/metrics`)).text();
    assert.match(metrics, /seamline_edge_evidence_record_images_total\{client_id="[^"]+",outcome="skipped"\} 4/);
  });

  test('busy decode slots and the camera bound: answered busy (class still due) and refused, the events accepted', {
    timeout: 60_000,
  }, async () => {
    const { bridge, images } = await rig(suite, 'busy', { maxDecoding: 1, maxCameras: 2 });
    const good = await jpeg();
    const take = async (r: Record<string, unknown>) => {
      const { image, ...event } = r;
      return images.take(event as never, image, await bridge.accept(event));
    };
    const records = [record('scratch', good), record('dent', good), record('scratch', good)].map(({ image, ...event }) => ({
      event,
      image,
    }));
    const accepted: { event_id: string; seq: number }[] = [];
    for (const r of records) accepted.push(await bridge.accept(r.event));
    // Started in one turn: the first holds the only decode slot until its decode ends; the second would be kept (busy),
    // the third would not (scratch was just kept): skipped, not busy.
    const answers = await Promise.all(records.map((r, i) => images.take(r.event as never, r.image, accepted[i])));
    assert.deepEqual(
      answers.map((x) => x.evidence),
      ['kept', 'busy', 'skipped'],
    );
    assert.equal((await take(record('dent', good))).evidence, 'kept', 'the busy class stayed due');
    // The rig's own camera and cam-2 have captures: a third camera's image is refused, its event accepted.
    assert.equal((await take(record('scratch', good, { camera: 'cam-2' }))).evidence, 'kept');
    const third = await take(record('scratch', good, { camera: 'cam-3' }));
    assert.deepEqual([third.evidence, 'field' in third && third.field], ['refused', 'image']);
    assert.match('reason' in third ? third.reason : '', /camera eu\/plant-1\/cam-3, past 2 cameras/);
    assert.deepEqual(images.stats(), { kept: 3, skipped: 1, busy: 1, refused: 1 });
  });

  test('stdin: NDJSON records with images are answered per line and stored; a bad one is refused naming image', {
    timeout: 60_000,
  }, async () => {
    const { bridge, images, store } = await rig(suite, 'stdin', { maxDecoding: 4 });
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (d) => (out += d));
    // Lines are handled concurrently: 4 decode slots, so none of these 3 images is answered busy.
    const run = runStdinInput(bridge, { input, output, images });
    input.write(`${JSON.stringify(record('scratch', await png()))}\n`);
    input.write(`${JSON.stringify(record('dent', await jpeg(W, H + 2)))}\n`);
    input.write(`${JSON.stringify(record('crack'))}\n`);
    input.end(`${JSON.stringify(record('chip', await jpeg()))}\n`);
    const result = await run;
    assert.deepEqual(result, { lines: 4, accepted: 4, refused: 0 });
    const answers = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Answer & { line: number })
      .sort((x, y) => x.line - y.line);
    assert.deepEqual(
      answers.map((a) => [a.line, a.evidence, a.field]),
      [
        [1, 'kept', undefined],
        [2, 'refused', 'image'],
        [3, undefined, undefined],
        [4, 'kept', undefined],
      ],
    );
    assert.match(answers[1].reason ?? '', /is 320x242, not the record's frame 320x240/);
    await storedCount(store, 2);
    for (const a of [answers[0], answers[3]]) {
      const stored = (await store.get(a.event_id))!;
      assert.equal(stored.header.seq, a.seq);
      assert.equal(stored.header.detections[0].class, a.line === 1 ? 'scratch' : 'chip');
    }
  });

  test('record images off: the image is stripped, the event accepted, the answer says off', { timeout: 30_000 }, async () => {
    const bridge = suite.bridge({ camera: 'cam-off' });
    await bridge.start();
    const http = await startHttpInput(bridge);
    suite.cleanups.push(() => http.close());
    const events = await collect(suite.broker.url, { filter: 'vision/+/+/cam-off/detection' });
    const { status, answer } = await post(http.url, record('scratch', Buffer.from('anything')));
    assert.equal(status, 200);
    assert.equal(answer.evidence, 'off');
    await events.waitFor(1, 10_000);
    assert.equal('image' in events.byId.get(answer.event_id)!, false);
    await events.close();
  });
});

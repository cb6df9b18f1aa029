/**
 * Images can never delay or push out a detection event: the image publisher has its own connection and a
 * window of two, its own queue and its own bound. A real bridge publishes events to the same Mosquitto while
 * the image transport pushes ~1 MB images, faster than the link drains them, so its queue is full and drops.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { DETECTION_FILTER } from '../../../src/contract/index.ts';
import { mosquittoSuite } from '../mosquitto-suite.ts';
import { makeInput, sleep, tempDir } from '../support.ts';
import { collectEvidence, evidenceStream, jpegNear } from './support.ts';
import { transportOn } from './transport-support.ts';

const suite = mosquittoSuite();
const EVENTS = 200;
const EVENT_EVERY_MS = 10;

/** Percentile of sorted values (nearest rank). */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] };
};
const fmt = (x: { p50: number; p99: number; max: number }) =>
  `p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, max ${x.max.toFixed(1)} ms`;

/**
 * Event latency: from calling accept to a subscriber receiving the event, for EVENTS events at 100/s; and the
 * p99 delay of this process's event loop meanwhile (the bridge, the image transport and both subscribers share it).
 */
async function eventLatencies(url: string, bridge: ReturnType<typeof suite.bridge>): Promise<{ ms: number[]; loopP99: number }> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const arrivals = new Map<string, number>();
  const subscriber = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `latency-${process.pid}-${Math.random()}` });
  subscriber.on('message', (_topic, payload) => {
    const id = (JSON.parse(payload.toString()) as { event_id: string }).event_id;
    if (!arrivals.has(id)) arrivals.set(id, performance.now());
  });
  await subscriber.subscribeAsync(DETECTION_FILTER, { qos: 1 });
  const sentAt = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const t0 = performance.now();
    const { event_id } = await bridge.accept(makeInput());
    sentAt.set(event_id, t0);
    await sleep(EVENT_EVERY_MS);
  }
  const until = Date.now() + 20_000;
  while (arrivals.size < EVENTS && Date.now() < until) await sleep(20);
  await subscriber.endAsync(true);
  loop.disable();
  assert.equal(arrivals.size, EVENTS, `every event arrives (${arrivals.size} of ${EVENTS}); bridge ${JSON.stringify(bridge.stats())}`);
  return { ms: [...sentAt].map(([id, t0]) => arrivals.get(id)! - t0), loopP99: loop.percentile(99) / 1e6 };
}

test('a full image queue pushing ~1 MB images never delays or pushes out a detection event', { timeout: 90_000 }, async (t) => {
  const { dir } = tempDir('seamline-evidence-isolation-');
  const bridge = suite.bridge({}, dir);
  await bridge.start();
  await bridge.waitForConnection(10_000);

  const quietRun = await eventLatencies(suite.broker.url, bridge);
  const quiet = summary(quietRun.ms);

  const images = await collectEvidence(suite.broker.url);
  suite.cleanups.push(() => images.close());
  const transport = transportOn(suite.broker.url, { dataDir: dir, maxBytes: 16 * 1024 ** 2 }, suite.cleanups);
  transport.start();
  const jpeg = await jpegNear(990_000);
  // The digest computed once, so the test's own encoding does not load the loop it measures.
  const next = evidenceStream(jpeg);
  const imageBytes = next().payload.byteLength;
  /** Events measured while images are offered every `everyMs`. */
  const withImages = async (everyMs: number, perTick: number) => {
    let offering = true;
    const pusher = (async () => {
      while (offering) {
        for (let i = 0; i < perTick; i++) {
          const o = next();
          transport.queue.offer(o.payload, o.meta);
        }
        await sleep(everyMs);
      }
    })();
    const run = await eventLatencies(suite.broker.url, bridge);
    const stillQueued = transport.stats().queued;
    offering = false;
    await pusher;
    return { ...run, stillQueued };
  };
  // Two images a second (a busy capture policy): the link is mostly free.
  const pacedRun = await withImages(500, 1);
  const paced = summary(pacedRun.ms);
  assert.ok(await transport.drain(30_000));
  const ackedBefore = transport.stats().acked;
  // Three images every 5 ms (a few hundred MB/s) offered: more than the link takes, for as long as the events last.
  const startedAt = performance.now();
  const busyRun = await withImages(5, 3);
  const busy = summary(busyRun.ms);
  const seconds = (performance.now() - startedAt) / 1000;
  const stillQueued = busyRun.stillQueued;
  const s = transport.stats();
  const ackedMb = ((s.acked - ackedBefore) * imageBytes) / 1e6;
  t.diagnostic(`events without images: ${fmt(quiet)}; event loop delay p99 ${quietRun.loopP99.toFixed(1)} ms`);
  t.diagnostic(`events, 2 images/s:     ${fmt(paced)}; event loop delay p99 ${pacedRun.loopP99.toFixed(1)} ms`);
  t.diagnostic(`events, images flat out: ${fmt(busy)}; event loop delay p99 ${busyRun.loopP99.toFixed(1)} ms`);
  t.diagnostic(
    `images: offered ${s.offered}, acked ${s.acked} (${(ackedMb / seconds).toFixed(0)} MB/s), dropped ${s.dropped}, still queued after the events ${stillQueued}`,
  );
  assert.ok(s.acked > 0, 'images flowed meanwhile');
  assert.ok(stillQueued > 0, 'images were still queued when the last event arrived');
  assert.deepEqual(images.poison, [], 'every image the subscriber got is valid evidence.v1');
  assert.ok(s.dropped > 0, 'the image queue was full (drop-oldest) while events flowed');
  assert.equal(bridge.stats().dropped, 0, 'no event was pushed out');
  assert.ok(s.queue_bytes <= 16 * 1024 ** 2);
  // Loose on purpose (a shared 2-core machine, load 6-9 from other work): the measured cost is reported, the
  // bound only catches an event held behind the image queue (which would take seconds: 16 MiB at ~25 MB/s).
  assert.ok(busy.max < 3000, `event max with images ${busy.max} ms`);
  assert.ok(paced.max < 3000, `event max with 2 images/s ${paced.max} ms`);
  assert.ok(await transport.drain(30_000));
  assert.equal(images.byId.size, transport.stats().acked, 'every acknowledged image reached the subscriber');
  const end = transport.stats();
  assert.equal(end.offered, end.acked + end.dropped + end.queued, 'every offer ends acknowledged, dropped or still queued');
});

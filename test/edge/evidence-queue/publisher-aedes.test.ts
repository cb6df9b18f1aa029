import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { startEmbeddedBroker, type RunningBroker } from '../../../src/broker/embedded.ts';
import { isSeamError } from '../../../src/contract/index.ts';
import { collectEvidence, evidenceFor, jpegNear, noiseJpeg, sentAsOffered, stampBytes, unstamp, type Offered } from './support.ts';
import { transportOn } from './transport-support.ts';

let broker: RunningBroker;
const cleanups: (() => unknown)[] = [];
let small: Buffer;
before(async () => {
  broker = await startEmbeddedBroker();
  small = await noiseJpeg(80);
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await broker?.close();
});

test('over MQTT 3.1.1 (the embedded Aedes broker) every offered image arrives once, byte-identical and valid', {
  timeout: 60_000,
}, async () => {
  const collector = await collectEvidence(broker.url, 4);
  cleanups.push(() => collector.close());
  const transport = transportOn(broker.url, { protocol: 4 }, cleanups);
  transport.start();
  const large = await jpegNear(990_000);
  const offered: Offered[] = [];
  for (let i = 0; i < 40; i++) {
    const o = evidenceFor(i % 8 === 0 ? large : small);
    offered.push(o);
    transport.queue.offer(o.payload, o.meta);
  }
  await collector.waitFor(offered.length, 30_000, () => transport.stats());
  assert.ok(await transport.drain(10_000));
  for (const o of offered) assert.ok(sentAsOffered(collector.byId.get(o.event_id), o.payload));
  // Numbered as queued: one stream, 0 to 39 in offer order, nothing skipped.
  const stamps = offered.map((o) => unstamp(collector.byId.get(o.event_id)!).stream!);
  assert.deepEqual(
    stamps.map((st) => st.seq),
    offered.map((_, i) => i),
  );
  assert.equal(new Set(stamps.map((st) => st.id)).size, 1);
  assert.match(stamps[0].id, /^[0-9a-f]{16}$/);
  assert.equal(collector.received, offered.length);
  assert.deepEqual(collector.poison, []);
  const s = transport.stats();
  assert.deepEqual([s.offered, s.acked, s.dropped, s.queued], [40, 40, 0, 0]);
});

test('the metrics mirror the counters: seamline_edge_evidence_* by client id', { timeout: 30_000 }, async () => {
  const registry = new Registry();
  const size = evidenceFor(small).payload.byteLength + stampBytes(0);
  // Room for 3 images: 5 offered while disconnected, so 2 are dropped before anything is sent.
  const transport = transportOn(broker.url, { protocol: 4, registry, clientId: 'cam-metrics', maxBytes: size * 3 }, cleanups);
  for (let i = 0; i < 5; i++) {
    const o = evidenceFor(small);
    transport.queue.offer(o.payload, o.meta);
  }
  transport.queue.offer(Buffer.from('not evidence'), { event_id: 'x', camera: 'cam-01', bytes: 12 });
  const before = await registry.getMetricsAsJSON();
  const value = (metrics: typeof before, name: string) =>
    metrics.find((m) => m.name === name)?.values.find((v) => v.labels.client_id === 'cam-metrics')?.value;
  assert.equal(value(before, 'seamline_edge_evidence_queue_depth'), 3);
  assert.equal(value(before, 'seamline_edge_evidence_queue_bytes'), 3 * size);
  assert.equal(value(before, 'seamline_edge_evidence_dropped_total'), 2);
  assert.equal(value(before, 'seamline_edge_evidence_dropped_bytes_total'), 2 * size);
  assert.equal(value(before, 'seamline_edge_evidence_refused_total'), 1);
  assert.equal(value(before, 'seamline_edge_evidence_acked_total'), 0);
  transport.start();
  assert.ok(await transport.drain(10_000));
  const afterDrain = await registry.getMetricsAsJSON();
  assert.equal(value(afterDrain, 'seamline_edge_evidence_queue_depth'), 0);
  assert.equal(value(afterDrain, 'seamline_edge_evidence_sent_total'), 3);
  assert.equal(value(afterDrain, 'seamline_edge_evidence_acked_total'), 3);
  const latency = afterDrain.find((m) => m.name === 'seamline_edge_evidence_puback_latency_seconds');
  const count = latency?.values.find(
    (v) => v.labels.client_id === 'cam-metrics' && (v as { metricName?: string }).metricName?.endsWith('_count'),
  );
  assert.equal(count?.value, 3);
});

test('maxBytesPerSecond paces the images: 2 MB at 1 MB/s (a burst of 1 MB) take at least 0.75 s', { timeout: 30_000 }, async () => {
  const collector = await collectEvidence(broker.url, 4);
  cleanups.push(() => collector.close());
  const transport = transportOn(broker.url, { protocol: 4, maxBytesPerSecond: 1_000_000 }, cleanups);
  const jpeg = await jpegNear(250_000);
  const offered = Array.from({ length: 8 }, () => evidenceFor(jpeg));
  const total = offered.reduce((n, o) => n + o.payload.byteLength, 0);
  for (const o of offered) transport.queue.offer(o.payload, o.meta);
  const startedAt = performance.now();
  transport.start();
  await collector.waitFor(offered.length, 20_000, () => transport.stats());
  const seconds = (performance.now() - startedAt) / 1000;
  // The first megabyte goes at once; the rest, less the last image sent on credit, waits for the rate.
  const least = (total - 1_000_000 - offered[7].payload.byteLength) / 1_000_000;
  assert.ok(seconds >= least - 0.05, `${seconds.toFixed(2)} s for ${total} bytes, at least ${least.toFixed(2)} s`);
  assert.ok(seconds < least + 3, `${seconds.toFixed(2)} s`);
  assert.throws(
    () => transportOn(broker.url, { maxBytesPerSecond: -1 }, cleanups),
    (err) => isSeamError(err, 'SEAM_ERR_CONFIG') && err.field === 'maxBytesPerSecond',
  );
});

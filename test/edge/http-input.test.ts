import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Bridge, BridgeOptions } from '../../src/edge/bridge/bridge.ts';
import { mosquittoSuite } from './mosquitto-suite.ts';
import { startHttpInput, type RunningHttpInput } from '../../src/edge/inputs/http.ts';
import { collect, makeInput } from './support.ts';

const suite = mosquittoSuite({ camera: 'cam-http' });

async function serve(overrides: Partial<BridgeOptions> = {}): Promise<{ bridge: Bridge; http: RunningHttpInput }> {
  const bridge = suite.bridge(overrides);
  const http = await startHttpInput(bridge);
  suite.cleanups.push(() => http.close());
  return { bridge, http };
}

const post = (url: string, body: string) =>
  fetch(`${url}/detections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('http input', () => {
  test('answers 200 with event_id and seq once durable, and the event reaches the broker', { timeout: 30_000 }, async () => {
    const collector = await collect(suite.broker.url, { filter: 'vision/eu/plant-1/cam-http/detection' });
    const { bridge, http } = await serve();
    await bridge.start();
    const res = await post(http.url, JSON.stringify(makeInput()));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { event_id: string; seq: number };
    assert.equal(body.seq, 1);
    await collector.waitFor(1, 5000);
    assert.equal(collector.byId.get(body.event_id)?.seq, 1);
    await collector.close();
  });

  test('answers 400 naming the field and the reason, and nothing enters the outbox', { timeout: 30_000 }, async () => {
    const { bridge, http } = await serve();
    for (const [body, field] of [
      [JSON.stringify(makeInput({ frame: { width: 0, height: 720 } })), 'frame.width'],
      [JSON.stringify(makeInput({ site: 'Plant 1' })), 'site'],
      ['not json', '(root)'],
    ] as const) {
      const res = await post(http.url, body);
      assert.equal(res.status, 400);
      const answer = (await res.json()) as { error: string; field: string; reason: string };
      assert.equal(answer.error, 'SEAM_ERR_INVALID_INPUT');
      assert.equal(answer.field, field);
      assert.ok(answer.reason.length > 0);
    }
    assert.equal(bridge.stats().outbox_depth, 0);
  });

  test('answers 413 to an oversize body and 503 with Retry-After while a reject-new outbox is full', { timeout: 30_000 }, async () => {
    const { http } = await serve({ maxBytes: 2000, overflow: 'reject-new' });
    const big = await post(http.url, JSON.stringify(makeInput({ padding: 'x'.repeat(300_000) })));
    assert.equal(big.status, 413);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(http.url, JSON.stringify(makeInput()))).status);
    assert.ok(statuses.includes(200) && statuses.at(-1) === 503, `statuses ${statuses}`);
    const full = await post(http.url, JSON.stringify(makeInput()));
    assert.equal(full.headers.get('retry-after'), '1');
    assert.equal(((await full.json()) as { error: string }).error, 'SEAM_ERR_OUTBOX_FULL');
  });

  test('serves Prometheus metrics: outbox depth and bytes, accepted, published, acknowledged, dropped, reconnects, PUBACK latency', {
    timeout: 30_000,
  }, async () => {
    const { bridge, http } = await serve({ clientId: 'http-metrics' });
    await bridge.start();
    for (let i = 0; i < 3; i++) assert.equal((await post(http.url, JSON.stringify(makeInput()))).status, 200);
    assert.equal(await bridge.drain(5000), true);
    const res = await fetch(`${http.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    for (const line of [
      'seamline_edge_accepted_total{client_id="http-metrics"} 3',
      'seamline_edge_published_total{client_id="http-metrics"} 3',
      'seamline_edge_acknowledged_total{client_id="http-metrics"} 3',
      'seamline_edge_outbox_depth{client_id="http-metrics"} 0',
      'seamline_edge_outbox_bytes{client_id="http-metrics"} 0',
      'seamline_edge_puback_latency_seconds_count{client_id="http-metrics"} 3',
    ]) {
      assert.ok(text.includes(line), `metrics include ${line}`);
    }
    for (const name of ['seamline_edge_dropped_total', 'seamline_edge_reconnects_total'])
      assert.ok(text.includes(`# TYPE ${name} counter`), name);
    const health = (await (await fetch(`${http.url}/healthz`)).json()) as { acked: number };
    assert.equal(health.acked, 3);
  });
});

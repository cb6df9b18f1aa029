import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { startConsumer } from '../../src/consumer/consumer.ts';
import { createBridge } from '../../src/edge/bridge/bridge.ts';
import { CameraPipeline } from '../../src/edge/camera-pipeline.ts';
import { iouXywh } from '../../src/edge/detector/nms.ts';
import { OnnxDetector } from '../../src/edge/detector/onnx-detector.ts';
import type { TruthBox } from '../../src/edge/frames/frame-source.ts';
import { SyntheticSource } from '../../src/edge/frames/synthetic-source.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { waitFor } from '../helpers/wait.ts';
import { shippedModel } from './detector/support.ts';
import { collect, tempDir } from './support.ts';

let broker: RunningMosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(() => broker.close());

interface StoredBox {
  captured_at: number;
  class: string;
  class_id: number;
  bbox: number[];
}

/** Every stored detection and event, read from the closed DuckDB file (not through the code under test). */
async function readStore(path: string): Promise<{ events: number[]; boxes: StoredBox[] }> {
  const db = await DuckDBInstance.create(path);
  const conn = await db.connect();
  try {
    const epoch = (col: string) => `CAST(epoch_ms(${col}) AS DOUBLE)`;
    const events = (await conn.runAndReadAll(`SELECT ${epoch('captured_at')} AS t FROM events ORDER BY seq`))
      .getRowObjects()
      .map((r) => Number(r.t));
    const boxes = (await conn.runAndReadAll(`SELECT ${epoch('captured_at')} AS t, class, class_id, x, y, w, h FROM detections`))
      .getRowObjects()
      .map((r) => ({
        captured_at: Number(r.t),
        class: String(r.class),
        class_id: Number(r.class_id),
        bbox: [r.x, r.y, r.w, r.h].map(Number),
      }));
    return { events, boxes };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Greedy class-aware matching at IoU >= 0.5, best IoU first per predicted box. */
function score(truth: Map<number, TruthBox[]>, boxes: StoredBox[]): { tp: number; fp: number; fn: number } {
  let tp = 0;
  let fp = 0;
  const used = new Map<number, Set<number>>();
  for (const b of boxes) {
    const frameTruth = truth.get(b.captured_at) ?? [];
    const taken = used.get(b.captured_at) ?? new Set<number>();
    used.set(b.captured_at, taken);
    let best = -1;
    let bestIou = 0.5;
    frameTruth.forEach((t, i) => {
      const iou = t.class_id === b.class_id ? iouXywh(t.bbox, b.bbox) : 0;
      if (!taken.has(i) && iou >= bestIou) [best, bestIou] = [i, iou];
    });
    if (best >= 0) {
      taken.add(best);
      tp++;
    } else fp++;
  }
  const all = [...truth.values()].reduce((s, t) => s + t.length, 0);
  return { tp, fp, fn: all - tp };
}

test('synthetic conveyor -> hand-built detector -> bridge -> Mosquitto -> consumer -> DuckDB: stored boxes match the drawn truth', {
  timeout: 180_000,
}, async () => {
  const tmp = tempDir('seamline-inference-e2e-');
  const storePath = join(tmp.dir, 'store.duckdb');
  const store = new DuckDbStore({ path: storePath });
  await store.open();
  const consumer = await startConsumer({ url: broker.url, clientId: 'inference-e2e-consumer', store });
  const statuses = await collect(broker.url, { filter: 'vision/+/+/+/status' });
  const detector = await OnnxDetector.open({ model: shippedModel('seamline-conveyor.onnx') });
  let pipeline: CameraPipeline | undefined;
  const bridge = createBridge({
    url: broker.url,
    clientId: 'inference-e2e-edge',
    region: 'eu',
    site: 'plant-1',
    camera: 'conveyor-1',
    dataDir: join(tmp.dir, 'outbox'),
    heartbeat: 0.2,
    statusExtra: () => pipeline?.statusCounters() ?? {},
  });
  try {
    await bridge.start();
    const truth = new Map<number, TruthBox[]>();
    const source = new SyntheticSource({ fps: 8, frames: 40, seed: 11 });
    pipeline = new CameraPipeline({
      source,
      detector,
      sink: (input) => bridge.accept(input),
      onResult: (frame) => truth.set(frame.capturedAt, frame.truth ?? []),
      // Room for every frame, so a loaded machine scores all 40 (dropping is the next test's subject).
      maxWaiting: 40,
    });
    await pipeline.start();
    await pipeline.done;
    const stats = pipeline.stats();
    assert.equal(stats.frames_read, 40);
    assert.equal(stats.frames_inferred, 40);
    assert.equal(stats.frames_skipped, 0);
    assert.equal(stats.inference_errors, 0);
    assert.ok(await bridge.drain(30_000), 'the bridge emptied its outbox');
    await waitFor(() => consumer.ingestor.stats.receivedEvents >= stats.frames_inferred, 60_000, 'the consumer received every event');
    await waitFor(
      () => statuses.statuses.some((s) => s.message.frames_inferred === stats.frames_inferred),
      10_000,
      'a heartbeat with the final counters',
    );
    const beat = [...statuses.statuses].reverse().find((s) => s.message.frames_inferred === stats.frames_inferred)!.message;
    assert.equal(beat.frames_read, 40);
    assert.equal(beat.frames_skipped, stats.frames_skipped);
    assert.equal(beat.source_restarts, 0);
    assert.ok(typeof beat.model_ms_p50 === 'number' && beat.model_ms_p50 > 0, `model_ms_p50 ${String(beat.model_ms_p50)}`);
    await consumer.stop(10_000);
    await store.close();

    const stored = await readStore(storePath);
    assert.equal(stored.events.length, stats.frames_inferred, 'one stored event per inferred frame');
    assert.deepEqual(new Set(stored.events), new Set(truth.keys()), 'stored events are exactly the inferred frames (by captured_at)');
    const { tp, fp, fn } = score(truth, stored.boxes);
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    assert.ok(
      tp >= 2 * stats.frames_inferred,
      `${tp} true positives over ${stats.frames_inferred} frames: the scene shows several objects a frame`,
    );
    assert.ok(
      precision >= 0.9 && recall >= 0.9,
      `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`,
    );
  } finally {
    await pipeline?.stop();
    await detector.close();
    await bridge.close();
    await statuses.close();
    await consumer.stop(1_000).catch(() => undefined);
    await store.close().catch(() => undefined);
    tmp.cleanup();
  }
});

test('when the model is slower than the source, the oldest waiting frame is dropped and counted, and nothing queues', {
  timeout: 120_000,
}, async () => {
  const detector = await OnnxDetector.open({ model: shippedModel('slow.onnx'), threads: 1 });
  const accepted: string[] = [];
  const inferredIndexes: number[] = [];
  const source = new SyntheticSource({ width: 64, height: 64, fps: 100, frames: 60 });
  const pipeline = new CameraPipeline({
    source,
    detector,
    sink: async (input) => void accepted.push(input.captured_at),
    onResult: (frame) => inferredIndexes.push(frame.index),
  });
  try {
    await pipeline.start();
    await pipeline.done;
    const s = pipeline.stats();
    assert.equal(s.frames_read, 60);
    assert.ok(s.frames_skipped > 0, `skipped ${s.frames_skipped}`);
    assert.equal(s.frames_inferred + s.frames_skipped, 60);
    assert.equal(accepted.length, s.frames_inferred, 'every inferred frame reached the sink');
    // Drop-oldest: after the first frame, each frame the model took is the newest one that had arrived,
    // so the last frame of the source is always among those inferred.
    assert.equal(inferredIndexes.at(-1), 59);
    assert.deepEqual(
      [...inferredIndexes].sort((a, b) => a - b),
      inferredIndexes,
      'frames are inferred in order',
    );
  } finally {
    await pipeline.stop();
    await detector.close();
  }
});

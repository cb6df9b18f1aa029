import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { decodeEvidence } from '../../../src/contract/index.ts';
import { CameraPipeline } from '../../../src/edge/camera-pipeline.ts';
import { OnnxDetector } from '../../../src/edge/detector/onnx-detector.ts';
import { EvidenceQueue, type OutgoingImage } from '../../../src/edge/evidence-queue/queue.ts';
import { SyntheticSource } from '../../../src/edge/frames/synthetic-source.ts';
import { waitFor } from '../../helpers/wait.ts';
import { shippedModel } from '../detector/support.ts';
import { tempDir } from '../support.ts';

const camera = { region: 'eu', site: 'plant-1', camera: 'conveyor-1' };

test('capture into the real on-disk image queue: every captured image is queued once, on its topic, and decodes', {
  timeout: 60_000,
}, async (t) => {
  const tmp = tempDir('seamline-capture-queue-');
  const detector = await OnnxDetector.open({ model: shippedModel('seamline-conveyor.onnx') });
  const queue = new EvidenceQueue({ path: join(tmp.dir, 'evidence') });
  const issued = new Set<string>();
  try {
    const pipeline = new CameraPipeline({
      source: new SyntheticSource({ frames: 40, seed: 17 }),
      detector,
      camera: camera.camera,
      sink: async () => {
        const event_id = uuidv7();
        issued.add(event_id);
        return { event_id, seq: issued.size - 1 };
      },
      maxWaiting: 40,
      evidence: { camera, sink: queue, intervalSeconds: 0, exclude: ['part'], maxInFlight: 64 },
    });
    await pipeline.start();
    await pipeline.done;
    const captured = pipeline.stats().evidence?.captured ?? 0;
    await pipeline.stop();
    assert.ok(captured >= 10, `${captured} images captured`);
    const taken: OutgoingImage[] = [];
    await waitFor(
      () => {
        taken.push(...queue.take(100));
        return taken.length >= captured;
      },
      10_000,
      'every captured image written and ready to send',
    );
    t.diagnostic(`${captured} captured, ${taken.length} queued; queue ${JSON.stringify(queue.stats())}`);
    assert.equal(taken.length, captured);
    const stats = queue.stats();
    assert.deepEqual([stats.offered, stats.refused, stats.duplicates, stats.dropped], [captured, 0, 0, 0]);
    for (const image of taken) {
      assert.equal(image.topic, 'vision/eu/plant-1/conveyor-1/evidence');
      const decoded = decodeEvidence(image.topic, image.payload);
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
      assert.equal(decoded.evidence.header.event_id, image.event_id);
      assert.ok(issued.has(image.event_id), 'an event_id the bridge stand-in issued');
    }
    assert.equal(new Set(taken.map((i) => i.event_id)).size, captured, 'one image per event');
  } finally {
    await queue.close();
    await detector.close();
    tmp.cleanup();
  }
});

import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { CameraPipeline } from '../../../src/edge/camera-pipeline.ts';
import { OnnxDetector } from '../../../src/edge/detector/onnx-detector.ts';
import { EvidenceEncoder } from '../../../src/edge/evidence/encoder.ts';
import type { EvidenceCaptureOptions } from '../../../src/edge/evidence/capture.ts';
import type { Frame } from '../../../src/edge/frames/frame-source.ts';
import { SyntheticSource } from '../../../src/edge/frames/synthetic-source.ts';
import { shippedModel } from '../detector/support.ts';
import { conveyorFrame, toChw } from './frames.ts';

/**
 * The figures docs/evidence.md quotes: encode time per frame size, the event loop's delay while encoding
 * without pause, and the camera pipeline's frame rate with capture off and on. Printed as test diagnostics.
 */

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function encodeMs(encoder: EvidenceEncoder, frame: Frame, runs: number): Promise<{ ms: number; bytes: number }> {
  const boxes = (frame.truth ?? []).map((t) => ({ class: t.class, class_id: t.class_id, confidence: 0.9, bbox: t.bbox }));
  let bytes = 0;
  await encoder.encode(frame, boxes); // warm-up: libvips loads its operations once
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    bytes = (await encoder.encode(frame, boxes)).jpeg.byteLength;
    times.push(performance.now() - t0);
  }
  return { ms: median(times), bytes };
}

test('encode time per frame: 1280x720 and 1920x1080, plain, planar and crop', { timeout: 60_000 }, async (t) => {
  const hd = conveyorFrame(1280, 720);
  const fhd = conveyorFrame(1920, 1080);
  const plain = new EvidenceEncoder();
  const crop = new EvidenceEncoder({ crop: true });
  for (const [name, encoder, frame] of [
    ['1280x720 hwc', plain, hd],
    ['1920x1080 hwc (scaled to 1280x720)', plain, fhd],
    ['1920x1080 chw (scaled)', plain, toChw(fhd)],
    ['1920x1080 crop (scaled)', crop, fhd],
  ] as const) {
    const { ms, bytes } = await encodeMs(encoder, frame, 8);
    t.diagnostic(`${name}: median ${ms.toFixed(1)} ms, ${bytes} bytes at quality 80`);
    assert.ok(ms < 1000, `${name}: ${ms} ms`);
    assert.ok(bytes < 998_976, `${name}: ${bytes} bytes fit the default cap`);
  }
});

function loopDelay(): { stop: () => { p50: number; p99: number; max: number } } {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return {
    stop: () => {
      h.disable();
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
    },
  };
}

test('the event loop stays flat while 1920x1080 frames are encoded back to back (plain, planar, crop)', { timeout: 60_000 }, async (t) => {
  const frame = conveyorFrame(1920, 1080);
  const boxes = (frame.truth ?? []).map((b) => ({ class: b.class, class_id: b.class_id, confidence: 0.9, bbox: b.bbox }));
  const jobs: [EvidenceEncoder, Frame][] = [
    [new EvidenceEncoder(), frame],
    [new EvidenceEncoder(), toChw(frame)],
    [new EvidenceEncoder({ crop: true }), frame],
  ];
  const idle = loopDelay();
  await new Promise((r) => setTimeout(r, 2000));
  const idleDelay = idle.stop();
  const busy = loopDelay();
  const until = Date.now() + 2000;
  let encoded = 0;
  // Two encodes in flight at all times, as the capture's default maxInFlight allows.
  await Promise.all(
    [0, 1].map(async () => {
      while (Date.now() < until) {
        const [encoder, f] = jobs[encoded % jobs.length];
        encoded++;
        await encoder.encode(f, boxes);
      }
    }),
  );
  const busyDelay = busy.stop();
  t.diagnostic(`idle: ${JSON.stringify(idleDelay)} ms; encoding (${encoded} frames in 2 s): ${JSON.stringify(busyDelay)} ms`);
  assert.ok(encoded >= 4, `${encoded} frames encoded`);
  assert.ok(busyDelay.p99 <= idleDelay.p99 + 20, `p99 ${busyDelay.p99} ms while encoding vs ${idleDelay.p99} ms idle`);
});

/** 60 frames at 1280x720 through the real model, none dropped; frames inferred per second. */
async function pipelineFps(detector: OnnxDetector, evidence: Partial<EvidenceCaptureOptions> | undefined) {
  let captured = 0;
  let seq = 0;
  const pipeline = new CameraPipeline({
    source: new SyntheticSource({ frames: 60, seed: 17 }),
    detector,
    sink: async () => ({ event_id: uuidv7(), seq: seq++ }),
    maxWaiting: 60,
    ...(evidence
      ? { evidence: { camera: { region: 'eu', site: 'plant-1', camera: 'cam' }, sink: { offer: () => void captured++ }, ...evidence } }
      : {}),
  });
  const t0 = performance.now();
  await pipeline.start();
  await pipeline.done;
  const seconds = (performance.now() - t0) / 1000;
  await pipeline.stop();
  return { fps: pipeline.stats().frames_inferred / seconds, captured };
}

test('camera pipeline frame rate: capture off, on at the default policy, on for every frame', { timeout: 90_000 }, async (t) => {
  const detector = await OnnxDetector.open({ model: shippedModel('seamline-conveyor.onnx') });
  try {
    await pipelineFps(detector, undefined); // warm-up
    const rounds: Record<string, number[]> = { off: [], default: [], every: [] };
    const captures: Record<string, number> = {};
    // Alternated, so a neighbour's load on the shared machine falls on all three alike.
    for (let round = 0; round < 3; round++) {
      for (const [name, evidence] of [
        ['off', undefined],
        ['default', {}],
        ['every', { intervalSeconds: 0 }],
      ] as const) {
        const r = await pipelineFps(detector, evidence);
        rounds[name].push(r.fps);
        captures[name] = r.captured;
      }
    }
    const fps = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, median(v)]));
    // Each round's off and default runs are neighbours in time: their ratio cancels most of the machine's load swings.
    const ratios = rounds.default.map((d, i) => d / rounds.off[i]);
    t.diagnostic(`fps (median of 3 rounds) ${JSON.stringify(fps)}; images per 60 frames ${JSON.stringify(captures)}`);
    t.diagnostic(`default / off per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
    // Loose on purpose: on the shared 2-core machine the same configuration swings from 12 to 28 fps run to run
    // (neighbours' tests); this catches a capture that stalls the pipeline, the figures are read from the output.
    assert.ok(median(ratios) >= 0.6, `default policy vs off, median ratio ${median(ratios).toFixed(2)}`);
  } finally {
    await detector.close();
  }
});

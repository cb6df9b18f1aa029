/**
 * What every FrameSource promises (src/edge/frames/frame-source.ts), as one suite each implementation runs
 * with a builder of a finite source of `expected` frames: indices from 0 without a gap, pixel buffers of
 * the size they claim, capture times never after the read, framesRead equal to what was delivered, `done`
 * for a finite source, frames at their own size for the detector to letterbox, and nothing delivered
 * after stop().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Preprocessor } from '../../../src/edge/detector/preprocess.ts';
import type { Frame, FrameSource } from '../../../src/edge/frames/frame-source.ts';
import { letterboxPlacement } from '../../../src/edge/frames/letterbox.ts';

export function frameSourceContract(name: string, build: () => FrameSource | Promise<FrameSource>, expected: number): void {
  test(`${name}: delivers ${expected} whole frames in index order, stamped no later than read, then resolves done`, {
    timeout: 60_000,
  }, async () => {
    const source = await build();
    const frames: Frame[] = [];
    const readAt: number[] = [];
    await source.start((f) => {
      frames.push(f);
      readAt.push(Date.now());
    });
    await source.done;
    assert.equal(frames.length, expected);
    assert.deepEqual(
      frames.map((f) => f.index),
      [...Array(expected).keys()],
    );
    frames.forEach((f, i) => {
      assert.equal(f.pixels.length, f.pixelsWidth * f.pixelsHeight * 3, `frame ${i} size`);
      assert.ok(Number.isInteger(f.capturedAt) && f.capturedAt <= readAt[i], `frame ${i} capturedAt ${f.capturedAt} vs read ${readAt[i]}`);
      if (!f.letterbox) assert.deepEqual([f.pixelsWidth, f.pixelsHeight], [f.width, f.height]);
    });
    assert.equal(source.stats().framesRead, expected);
    await source.stop();
  });

  test(`${name}: every frame comes at its own size, not letterboxed, and the detector letterboxes it to the model input`, {
    timeout: 60_000,
  }, async () => {
    const target = { width: 96, height: 96 };
    const source = await build();
    const frames: Frame[] = [];
    await source.start((f) => void frames.push(f));
    await source.done;
    assert.equal(frames.length, expected);
    const pre = new Preprocessor(target);
    for (const f of frames) {
      assert.equal(f.letterbox, undefined);
      assert.deepEqual([f.pixelsWidth, f.pixelsHeight, f.pixels.length], [f.width, f.height, f.width * f.height * 3]);
      assert.deepEqual(pre.run(f), letterboxPlacement(f.width, f.height, target));
    }
  });

  test(`${name}: stop() during delivery ends it: no frame after stop() resolves, done resolves`, { timeout: 60_000 }, async () => {
    const source = await build();
    let delivered = 0;
    let afterStop = 0;
    let stopped = false;
    let stopping: Promise<void> | undefined;
    await source.start(async () => {
      if (stopped) afterStop++;
      delivered++;
      if (delivered === 1) stopping = source.stop().then(() => void (stopped = true));
      await new Promise((r) => setTimeout(r, 20));
    });
    await source.done;
    await stopping;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(afterStop, 0);
    assert.ok(delivered >= 1 && delivered < expected, `stopped part way (${delivered} of ${expected})`);
  });
}

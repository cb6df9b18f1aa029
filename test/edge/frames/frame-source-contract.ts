/**
 * What every FrameSource promises (src/edge/frames/frame-source.ts), as one suite each implementation runs
 * with a builder of a finite source of `expected` frames: indices from 0 without a gap, pixel buffers of
 * the size they claim, capture times never after the read, framesRead equal to what was delivered, `done`
 * for a finite source, and nothing delivered after stop().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame, FrameSource, LetterboxRequest } from '../../../src/edge/frames/frame-source.ts';

export function frameSourceContract(
  name: string,
  build: (letterbox?: LetterboxRequest) => FrameSource | Promise<FrameSource>,
  expected: number,
): void {
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

  test(`${name}: with a letterbox request every frame is model-input sized and says where the picture sits`, {
    timeout: 60_000,
  }, async () => {
    const target = { width: 96, height: 96 };
    const source = await build(target);
    const frames: Frame[] = [];
    await source.start((f) => void frames.push(f));
    await source.done;
    assert.equal(frames.length, expected);
    for (const f of frames) {
      assert.deepEqual([f.pixelsWidth, f.pixelsHeight, f.pixels.length], [96, 96, 96 * 96 * 3]);
      assert.ok(f.letterbox && f.letterbox.innerWidth <= 96 && f.letterbox.innerHeight <= 96);
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

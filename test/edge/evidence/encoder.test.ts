import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvidence, evidenceTopic, type Detection } from '../../../src/contract/index.ts';
import { EvidenceEncoder } from '../../../src/edge/evidence/encoder.ts';
import { evidencePayload } from '../../../src/edge/evidence/payload.ts';
import type { Frame } from '../../../src/edge/frames/frame-source.ts';
import { conveyorFrame, decodeJpeg, letterboxed, meanDifference, scaled, toChw } from './frames.ts';

const camera = { region: 'eu', site: 'plant-1', camera: 'line-3' };
const EVENT_ID = '0193a4f2-7b1c-7c3d-8e4f-5a6b7c8d9e0f';

/** The frame's own boxes as the detector would report them. */
const truthBoxes = (frame: Frame): Detection[] =>
  (frame.truth ?? []).map((t) => ({ class: t.class, class_id: t.class_id, confidence: 0.9, bbox: t.bbox }));

test('a 1280x720 frame is kept at its size and its pixels survive the JPEG', { timeout: 20_000 }, async () => {
  const frame = conveyorFrame(1280, 720);
  const image = await new EvidenceEncoder().encode(frame, []);
  const back = await decodeJpeg(image.jpeg);
  assert.deepEqual([image.width, image.height, image.masked], [1280, 720, false]);
  assert.deepEqual([back.width, back.height, back.channels], [1280, 720, 3]);
  const diff = meanDifference(back.rgb, frame.pixels);
  assert.ok(diff < 3, `mean difference ${diff.toFixed(2)} per channel value`);
});

test('a 1920x1080 frame is scaled down to 1280x720 (aspect kept); never up: a small frame keeps its size', {
  timeout: 20_000,
}, async () => {
  const frame = conveyorFrame(1920, 1080);
  const image = await new EvidenceEncoder().encode(frame, []);
  const back = await decodeJpeg(image.jpeg);
  assert.deepEqual([back.width, back.height], [1280, 720]);
  const reference = await scaled(frame.pixels, 1920, 1080, 1280, 720);
  const diff = meanDifference(back.rgb, reference);
  assert.ok(diff < 3, `mean difference ${diff.toFixed(2)}`);

  const tall = conveyorFrame(600, 1000);
  const t = await new EvidenceEncoder({ longSide: 500 }).encode(tall, []);
  assert.deepEqual([t.width, t.height], [300, 500], 'the long side is the height here');
  const small = await new EvidenceEncoder({ longSide: 1280 }).encode(conveyorFrame(640, 480), []);
  assert.deepEqual([small.width, small.height], [640, 480]);
});

test('planar (chw) pixels give the same picture as interleaved ones: as they are, scaled, and in crop mode', {
  timeout: 20_000,
}, async () => {
  const frame = conveyorFrame(1280, 720);
  const fromChw = await decodeJpeg((await new EvidenceEncoder({ quality: 95 }).encode(toChw(frame), [])).jpeg);
  const diff = meanDifference(fromChw.rgb, frame.pixels);
  assert.ok(diff < 2, `mean difference ${diff.toFixed(2)}: planes interleaved in the right order`);
  const big = conveyorFrame(1920, 1080);
  const boxes = truthBoxes(big);
  for (const crop of [false, true]) {
    const encoder = new EvidenceEncoder({ quality: 95, crop });
    const [a, b] = await Promise.all([encoder.encode(big, boxes), encoder.encode(toChw(big), boxes)]);
    const [fromHwc, fromPlanes] = await Promise.all([decodeJpeg(a.jpeg), decodeJpeg(b.jpeg)]);
    assert.deepEqual([fromPlanes.width, fromPlanes.height], [1280, 720]);
    const d = meanDifference(fromPlanes.rgb, fromHwc.rgb);
    assert.ok(d < 2, `1920x1080 crop ${crop}: chw and hwc images differ by ${d.toFixed(2)}`);
  }
});

test('a letterboxed frame: only the inner picture is kept, without the grey borders, at its own size', { timeout: 20_000 }, async () => {
  const frame = conveyorFrame(1280, 720);
  const boxed = await letterboxed(frame, 640);
  assert.deepEqual([boxed.letterbox!.innerWidth, boxed.letterbox!.innerHeight, boxed.letterbox!.padTop], [640, 360, 140]);
  for (const f of [boxed, toChw(boxed)]) {
    const image = await new EvidenceEncoder().encode(f, []);
    const back = await decodeJpeg(image.jpeg);
    assert.deepEqual([back.width, back.height], [640, 360], `${f.layout}: the inner region, not upscaled to the frame`);
    const reference = await scaled(frame.pixels, 1280, 720, 640, 360);
    const diff = meanDifference(back.rgb, reference);
    assert.ok(diff < 3, `${f.layout}: mean difference ${diff.toFixed(2)} against the frame scaled to 640x360`);
  }
});

test('crop mode: black outside the boxes and their margin, the picture inside', { timeout: 20_000 }, async () => {
  const frame = conveyorFrame(1280, 720);
  const boxes = truthBoxes(frame);
  assert.ok(boxes.length >= 2, `${boxes.length} objects in the frame`);
  const image = await new EvidenceEncoder({ crop: true }).encode(frame, boxes);
  assert.equal(image.masked, true);
  const back = await decodeJpeg(image.jpeg);
  assert.deepEqual([back.width, back.height, back.channels], [1280, 720, 3]);
  // The kept regions, computed here from the rule (10% of the box, at least 16 px) and not by the code under test.
  const kept = boxes.map(({ bbox: [x, y, w, h] }) => {
    const mx = Math.max(16, w / 10);
    const my = Math.max(16, h / 10);
    return [x - mx, y - my, x + w + mx, y + h + my];
  });
  // JPEG blocks are 8x8: judge pixels at least 8 px from an edge of a kept region.
  const distance = (px: number, py: number) => Math.min(...kept.map(([l, t, r, b]) => Math.max(l - px, px - r, t - py, py - b)));
  let outside = 0;
  let outsideSum = 0;
  const inside: number[] = [];
  const insideRef: number[] = [];
  for (let y = 0; y < 720; y++) {
    for (let x = 0; x < 1280; x++) {
      const d = distance(x, y);
      const i = (y * 1280 + x) * 3;
      if (d > 8) {
        outside++;
        outsideSum += back.rgb[i] + back.rgb[i + 1] + back.rgb[i + 2];
      } else if (d < -8) {
        inside.push(back.rgb[i], back.rgb[i + 1], back.rgb[i + 2]);
        insideRef.push(frame.pixels[i], frame.pixels[i + 1], frame.pixels[i + 2]);
      }
    }
  }
  assert.ok(outside > 1280 * 720 * 0.3, `${outside} pixels outside`);
  assert.ok(outsideSum / (outside * 3) < 0.5, `outside mean ${(outsideSum / (outside * 3)).toFixed(2)}: black`);
  const diff = meanDifference(Buffer.from(inside), Buffer.from(insideRef));
  assert.ok(inside.length > 3000 && diff < 3, `inside: ${inside.length / 3} pixels, mean difference ${diff.toFixed(2)}`);
  const meanInside = inside.reduce((s, v) => s + v, 0) / inside.length;
  assert.ok(meanInside > 30, `inside mean ${meanInside.toFixed(1)}: not black`);
});

test('crop mode: overlapping boxes stay open where they overlap', { timeout: 20_000 }, async () => {
  const frame = { ...conveyorFrame(320, 240), pixels: Buffer.alloc(320 * 240 * 3, 200) };
  const box = (x: number): Detection => ({ class: 'dent', class_id: 2, confidence: 0.9, bbox: [x, 80, 60, 60] });
  const image = await new EvidenceEncoder({ crop: true, quality: 95 }).encode(frame, [box(100), box(130)]);
  const back = await decodeJpeg(image.jpeg);
  const at = (x: number, y: number) => back.rgb[(y * 320 + x) * 3];
  assert.ok(at(150, 110) > 190, `overlap ${at(150, 110)}`);
  assert.ok(at(110, 110) > 190 && at(185, 110) > 190, 'each box alone');
  assert.ok(at(20, 20) < 5 && at(300, 220) < 5, 'black far from both');
});

test('the payload decodes with decodeEvidence; an image over the cap is refused naming image.bytes', { timeout: 20_000 }, async () => {
  const frame = conveyorFrame(1280, 720);
  const image = await new EvidenceEncoder().encode(frame, []);
  const event = {
    camera,
    event_id: EVENT_ID,
    seq: 41,
    captured_at: new Date(frame.capturedAt).toISOString(),
    frame: { width: 1280, height: 720 },
    detections: [],
  };
  const built = evidencePayload(event, image, 998_976);
  assert.ok(built.ok);
  const decoded = decodeEvidence(evidenceTopic(camera), built.payload);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  assert.equal(decoded.evidence.header.event_id, EVENT_ID);
  assert.deepEqual(decoded.evidence.header.image.width, 1280);
  assert.ok(decoded.evidence.image.equals(image.jpeg));

  const refused = evidencePayload(event, image, image.jpeg.byteLength - 1);
  assert.ok(!refused.ok);
  assert.equal(refused.error.code, 'SEAM_ERR_PAYLOAD_TOO_LARGE');
  assert.equal(refused.error.field, 'image.bytes');
  assert.ok(evidencePayload(event, image, image.jpeg.byteLength).ok, 'exactly at the cap is allowed');
});

test('the default image cap keeps even the longest header under the 1,000,000-byte message limit', { timeout: 20_000 }, () => {
  const cap = new EvidenceEncoder().maxImageBytes;
  assert.equal(cap, 998_976);
  // A whole "JPEG" of exactly the cap: start and end markers around filler.
  const jpeg = Buffer.alloc(cap, 0x55);
  jpeg.set([0xff, 0xd8, 0xff], 0);
  jpeg.set([0xff, 0xd9], cap - 2);
  const longest = { region: 'r'.repeat(64), site: 's'.repeat(64), camera: 'c'.repeat(64) };
  const event = {
    camera: longest,
    event_id: EVENT_ID,
    seq: Number.MAX_SAFE_INTEGER,
    captured_at: '2261-12-31T23:59:59.999Z',
    frame: { width: 16384, height: 16384 },
    // No boxes: the header's own fields at their longest. Boxes lengthen it; a message over the limit with
    // them is refused on `payload` (payload.ts), never sent.
    detections: [],
  };
  const built = evidencePayload(event, { jpeg, width: 16384, height: 16384, masked: true }, cap);
  assert.ok(built.ok, built.ok ? '' : built.error.message);
  const header = built.payload.indexOf(0x0a);
  assert.ok(built.payload.byteLength <= 1_000_000, `${built.payload.byteLength} bytes (header ${header})`);
  assert.ok(header < 1024, `header line ${header} bytes, inside the 1,024 allowed`);
  const decoded = decodeEvidence(evidenceTopic(longest), built.payload);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
});

test('bad frames and options are coded errors naming the field', { timeout: 20_000 }, async () => {
  const frame = conveyorFrame(320, 240);
  const encoder = new EvidenceEncoder();
  const cases: [Frame, string][] = [
    [{ ...frame, pixels: frame.pixels.subarray(1) }, 'frame.pixels'],
    [{ ...frame, pixelsWidth: 0 }, 'frame.pixelsWidth'],
    [{ ...frame, letterbox: { scale: 1, padLeft: 10, padTop: 0, innerWidth: 320, innerHeight: 240 } }, 'frame.letterbox'],
  ];
  for (const [bad, field] of cases) {
    await assert.rejects(encoder.encode(bad, []), (err: { code?: string; field?: string }) => {
      return err.code === 'SEAM_ERR_INVALID_INPUT' && err.field === field;
    });
  }
  for (const [options, field] of [
    [{ longSide: 0 }, 'evidence.longSide'],
    [{ quality: 101 }, 'evidence.quality'],
    [{ maxImageBytes: 2_000_000 }, 'evidence.maxImageBytes'],
    [{ margin: { fraction: -1 } }, 'evidence.margin.fraction'],
  ] as const) {
    assert.throws(
      () => new EvidenceEncoder(options),
      (err: { code?: string; field?: string }) => err.code === 'SEAM_ERR_CONFIG' && err.field === field,
    );
  }
});

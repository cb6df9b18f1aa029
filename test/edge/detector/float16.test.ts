/**
 * Half precision as onnxruntime itself converts it: our halfBits/fromHalf against ONNX Cast nodes run by
 * onnxruntime (an independent implementation), on every half bit pattern and on a million floats.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { fromHalf, halfBits, toHalf } from '../../../src/edge/detector/float16.ts';
import { FLOAT, FLOAT16, GraphBuilder } from '../../../src/proof/models/onnx-builder.ts';

/** A model that only casts its input ([n], of type `from`) to `to`. */
async function castSession(n: number, from: number, to: number): Promise<ort.InferenceSession> {
  const g = new GraphBuilder();
  const x = g.input('x', [n], from);
  g.op('Cast', [x], { to }, ['y']);
  g.output('y', [n], to);
  return ort.InferenceSession.create(g.encode({}));
}

test('known values: ties to even, subnormals, overflow to infinity, NaN', { timeout: 10_000 }, () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [0.5, 0x3800],
    [1 / 3, 0x3555],
    [0.1, 0x2e66],
    [65504, 0x7bff],
    [65519.99, 0x7bff],
    [65520, 0x7c00], // halfway to the next binade rounds to even: infinity
    [2 ** -24, 0x0001], // the smallest subnormal
    [2 ** -25, 0x0000], // a tie between 0 and the smallest: even is 0
    [1.5 * 2 ** -24, 0x0002], // a tie between 1 and 2 subnormal steps: even is 2
    [2 ** -14, 0x0400], // the smallest normal
    [1 + 2 ** -11, 0x3c00], // a tie between 1 and the next half: even is 1
    [1 + 3 * 2 ** -11, 0x3c02], // a tie between 0x3c01 and 0x3c02: even is 0x3c02
    [Number.POSITIVE_INFINITY, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
  ];
  for (const [value, bits] of cases) assert.equal(halfBits(value), bits, `${value} -> 0x${bits.toString(16)}`);
  assert.ok(Number.isNaN(fromHalf(Uint16Array.of(halfBits(Number.NaN)))[0]));
});

test('every half bit pattern reads as onnxruntime reads it, and converts back to itself', { timeout: 30_000 }, async () => {
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const session = await castSession(all.length, FLOAT16, FLOAT);
  const theirs = (await session.run({ x: new ort.Tensor('float16', all, [all.length]) })).y.data as Float32Array;
  const ours = fromHalf(all);
  for (let h = 0; h < 65536; h++) {
    if (Number.isNaN(theirs[h])) {
      assert.ok(Number.isNaN(ours[h]), `0x${h.toString(16)} NaN`);
      continue;
    }
    assert.ok(Object.is(ours[h], theirs[h]), `0x${h.toString(16)}: ours ${ours[h]}, onnxruntime ${theirs[h]}`);
    assert.equal(halfBits(ours[h]), h, `0x${h.toString(16)} round trip`);
  }
  await session.release();
});

test('floats convert to the halves onnxruntime gives: model inputs 0..1, ties, and the whole range', { timeout: 30_000 }, async () => {
  const n = 1 << 20;
  const values = new Float32Array(n);
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < n; i++) {
    // A third pixel values (k/255 and bilinear mixes), a third exact ties between two halves, a third anything.
    if (i % 3 === 0) values[i] = next();
    else if (i % 3 === 1) values[i] = (1 + (2 * Math.floor(next() * 1024) + 1) / 2048) * 2 ** (Math.floor(next() * 30) - 15);
    else values[i] = (next() - 0.5) * 2 ** (Math.floor(next() * 60) - 30);
  }
  const session = await castSession(n, FLOAT, FLOAT16);
  const theirs = (await session.run({ x: new ort.Tensor('float32', values, [n]) })).y.data as Uint16Array;
  const ours = toHalf(values, new Uint16Array(n));
  let differ = 0;
  for (let i = 0; i < n; i++) if (ours[i] !== theirs[i]) differ++;
  const first = ours.findIndex((v, i) => v !== theirs[i]);
  assert.equal(
    differ,
    0,
    first < 0 ? '' : `${values[first]}: ours 0x${ours[first].toString(16)}, onnxruntime 0x${theirs[first].toString(16)}`,
  );
  await session.release();
});

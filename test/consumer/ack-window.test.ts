import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AckWindow } from '../../src/consumer/mqtt/ack-window.ts';

function released(window: AckWindow, ids: number[]): number[] {
  const out: number[] = [];
  for (const id of ids) window.complete(id, out);
  return out;
}

test('acks given out of order release PUBACK ids in arrival order', { timeout: 10_000 }, () => {
  const window = new AckWindow();
  const arrival = [7, 3, 9, 1, 4, 8];
  for (const id of arrival) window.add(id);
  assert.deepEqual(released(window, [9, 1, 4, 8]), [], 'nothing may go while the oldest is unfinished');
  assert.equal(window.pending, 2);
  assert.equal(window.size, 6);
  assert.deepEqual(released(window, [3]), [], 'the second finished but the first is still open');
  assert.deepEqual(released(window, [7]), arrival);
  assert.equal(window.pending, 0);
  assert.equal(window.size, 0);
});

test('each ack releases exactly the finished prefix', { timeout: 10_000 }, () => {
  const window = new AckWindow();
  for (let id = 1; id <= 6; id++) window.add(id);
  const out: number[] = [];
  assert.equal(window.complete(2, out), 0);
  assert.equal(window.complete(1, out), 2);
  assert.equal(window.complete(4, out), 0);
  assert.equal(window.complete(3, out), 2);
  assert.deepEqual(out, [1, 2, 3, 4]);
});

test('double, unknown and already released acks are ignored', { timeout: 10_000 }, () => {
  const window = new AckWindow();
  window.add(1);
  window.add(2);
  const out: number[] = [];
  window.complete(2, out);
  window.complete(2, out);
  window.complete(99, out);
  assert.deepEqual(out, []);
  assert.equal(window.pending, 1);
  window.complete(1, out);
  window.complete(1, out);
  assert.deepEqual(out, [1, 2]);
});

test('a packet id may be reused once its PUBACK was released', { timeout: 10_000 }, () => {
  const window = new AckWindow();
  window.add(5);
  const out: number[] = [];
  window.complete(5, out);
  assert.equal(window.add(5), true);
  assert.equal(window.add(5), false, 'a second copy while the first still waits shares its entry');
  window.complete(5, out);
  assert.deepEqual(out, [5, 5]);
});

test('a 65,535-deep window acked in reverse releases every id in arrival order', { timeout: 10_000 }, () => {
  const window = new AckWindow();
  const n = 65_535;
  for (let id = 1; id <= n; id++) window.add(id);
  const out: number[] = [];
  for (let id = n; id >= 2; id--) window.complete(id, out);
  assert.equal(out.length, 0);
  window.complete(1, out);
  assert.equal(out.length, n);
  for (let i = 0; i < n; i++) if (out[i] !== i + 1) assert.fail(`position ${i} holds ${out[i]}`);
});

test('ids keep their order across storage compaction while acks interleave with arrivals', { timeout: 10_000 }, () => {
  const window = new AckWindow();
  const out: number[] = [];
  let next = 1;
  const open: number[] = [];
  // Rolling window of 100 open ids, acked in pairs swapped, across enough arrivals to compact many times.
  for (let round = 0; round < 5000; round++) {
    window.add(next);
    open.push(next++);
    if (open.length >= 100) {
      const [a, b] = open.splice(0, 2);
      window.complete(b, out);
      window.complete(a, out);
    }
  }
  for (const id of open) window.complete(id, out);
  assert.equal(out.length, next - 1);
  out.forEach((id, i) => assert.equal(id, i + 1));
});

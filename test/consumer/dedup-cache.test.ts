import assert from 'node:assert/strict';
import { test } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { DedupCache } from '../../src/consumer/ingest/dedup-cache.ts';
import { uuidWords } from '../../src/consumer/ingest/uuid-words.ts';

/** Lowercase UUIDs that differ in one hex digit of the last group: they share a probe's neighbourhood often. */
const id = (n: number) => `0193a2b4-c5d6-7e8f-9a0b-${n.toString(16).padStart(12, '0')}`;

test('remembers ids up to its capacity and forgets the oldest first', { timeout: 10_000 }, () => {
  const cache = new DedupCache(3);
  for (const n of [1, 2, 3]) cache.add(id(n));
  assert.deepEqual(
    [1, 2, 3].map((n) => cache.has(id(n))),
    [true, true, true],
  );
  cache.add(id(4));
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => cache.has(id(n))),
    [false, true, true, true],
  );
  assert.equal(cache.size, 3);
});

test('adding an id it holds neither grows it nor changes what it evicts next', { timeout: 10_000 }, () => {
  const cache = new DedupCache(2);
  cache.add(id(1));
  cache.add(id(2));
  cache.add(id(1));
  cache.add(id(3));
  assert.deepEqual(
    [1, 2, 3].map((n) => cache.has(id(n))),
    [false, true, true],
  );
});

test('stays at its capacity however many ids pass through', { timeout: 10_000 }, () => {
  const cache = new DedupCache(1000);
  for (let i = 0; i < 250_000; i++) cache.add(id(i));
  assert.equal(cache.size, 1000);
  assert.ok(cache.has(id(249_999)) && cache.has(id(249_000)) && !cache.has(id(248_999)));
});

// The table shifts entries back when it evicts; a wrong shift leaves an id unreachable (a redelivery written
// again: harmless) or, worse, reports one that was never added (an event skipped). A Set is the reference.
test('agrees with a Set and its insertion order over a million random adds, re-adds and evictions', { timeout: 60_000 }, () => {
  for (const capacity of [1, 7, 64, 1000]) {
    const cache = new DedupCache(capacity);
    const order: string[] = [];
    const held = new Set<string>();
    let seed = capacity;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const pool = Array.from({ length: capacity * 3 }, () => uuidv7());
    for (let step = 0; step < 250_000; step++) {
      const candidate = pool[random() % pool.length];
      assert.equal(cache.has(candidate), held.has(candidate), `has() at step ${step} (capacity ${capacity})`);
      cache.add(candidate);
      if (!held.has(candidate)) {
        held.add(candidate);
        order.push(candidate);
        if (order.length > capacity) held.delete(order.shift()!);
      }
      assert.equal(cache.size, held.size);
    }
    for (const p of pool) assert.equal(cache.has(p), held.has(p), `final has() (capacity ${capacity})`);
  }
});

test('remembers only lowercase UUIDs in their 36-character form, and never confuses two strings', { timeout: 10_000 }, () => {
  const cache = new DedupCache(10);
  const lower = '0193a2b4-c5d6-7e8f-9a0b-0c1d2e3f4a5b';
  cache.add(lower);
  for (const other of [
    lower.toUpperCase(),
    lower.replaceAll('-', '_'),
    lower.replaceAll('-', ''),
    `${lower} `,
    '0193a2b4-c5d6-7e8f-9a0b-0c1d2e3f4a5g',
  ]) {
    cache.add(other);
    assert.equal(cache.has(other), false, `${other} is not remembered`);
  }
  assert.equal(cache.has(lower), true);
  assert.equal(cache.size, 1, 'only the lowercase UUID was added');
  const words = new Int32Array(4);
  assert.equal(uuidWords('ffffffff-0000-0000-0000-000000000001', words), true);
  assert.deepEqual([...words], [-1, 0, 0, 1]);
});

test('refuses a capacity that is not a positive whole number', { timeout: 10_000 }, () => {
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => new DedupCache(bad), RangeError);
});

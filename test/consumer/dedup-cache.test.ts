import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupCache } from '../../src/consumer/ingest/dedup-cache.ts';

test('remembers ids up to its capacity and forgets the oldest first', { timeout: 10_000 }, () => {
  const cache = new DedupCache(3);
  for (const id of ['a', 'b', 'c']) cache.add(id);
  assert.deepEqual(
    ['a', 'b', 'c'].map((id) => cache.has(id)),
    [true, true, true],
  );
  cache.add('d');
  assert.deepEqual(
    ['a', 'b', 'c', 'd'].map((id) => cache.has(id)),
    [false, true, true, true],
  );
  assert.equal(cache.size, 3);
});

test('adding an id it holds neither grows it nor changes what it evicts next', { timeout: 10_000 }, () => {
  const cache = new DedupCache(2);
  cache.add('a');
  cache.add('b');
  cache.add('a');
  cache.add('c');
  assert.deepEqual(
    ['a', 'b', 'c'].map((id) => cache.has(id)),
    [false, true, true],
  );
});

test('stays at its capacity however many ids pass through', { timeout: 10_000 }, () => {
  const cache = new DedupCache(1000);
  for (let i = 0; i < 250_000; i++) cache.add(`id-${i}`);
  assert.equal(cache.size, 1000);
  assert.ok(cache.has('id-249999') && !cache.has('id-248999'));
});

test('refuses a capacity that is not a positive whole number', { timeout: 10_000 }, () => {
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => new DedupCache(bad), RangeError);
});

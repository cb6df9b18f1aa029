import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SidecarCache } from '../../../src/store/evidence/sidecar-cache.ts';

test('the sidecar cache keeps at most its bound, dropping the least recently used first', { timeout: 5_000 }, () => {
  const cache = new SidecarCache<number>(3);
  for (const [i, path] of ['a', 'b', 'c'].entries()) cache.set(path, i);
  assert.equal(cache.get('a'), 0, 'a is now the most recently used');
  cache.set('d', 3);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('b'), undefined, 'b was the least recently used');
  assert.deepEqual(
    ['a', 'c', 'd'].map((p) => cache.get(p)),
    [0, 2, 3],
  );
  cache.set('c', 20);
  assert.equal(cache.get('c'), 20, 'a path set again takes the new value without growing');
  assert.equal(cache.size, 3);
});

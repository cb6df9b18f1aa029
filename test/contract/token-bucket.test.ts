import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../src/plumbing/token-bucket.ts';

test('a token bucket refills at its rate up to its burst, one token at a time', { timeout: 5_000 }, () => {
  let now = 0;
  const bucket = new TokenBucket(10, 2, () => now);
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [true, true, false]);
  assert.equal(bucket.waitMs(), 100, 'one token in a tenth of a second');
  now = 10_000;
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [true, true, false], 'never more than the burst');
});

test('spending bytes may go into debt: one image over the burst goes, the next waits until the debt is paid', { timeout: 5_000 }, () => {
  let now = 0;
  const bytes = new TokenBucket(1_000, 500, () => now);
  assert.equal(bytes.waitMs(0), 0);
  bytes.spend(2_000);
  assert.equal(bytes.waitMs(0), 1_500, '1,500 bytes of debt at 1,000 a second');
  now = 1_000;
  assert.equal(bytes.waitMs(0), 500);
  now = 1_500;
  assert.equal(bytes.waitMs(0), 0);
  assert.equal(bytes.take(), false, 'a whole token still needs one');
});

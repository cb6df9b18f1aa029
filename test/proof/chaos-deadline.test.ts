/** The bound every chaos scenario runs under (src/proof/chaos/harness/deadline.ts): a wait past it fails the verdict, with why. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deadline, sizedDeadlineMs } from '../../src/proof/chaos/harness/deadline.ts';

test('a wait that outlives the deadline returns, and the verdict fails saying what was not reached', async () => {
  const d = new Deadline(200);
  const started = Date.now();
  assert.equal(await d.wait(() => false, '3000 answers before kill 1'), false);
  assert.ok(Date.now() - started < 1_000, 'it did not hang');
  assert.equal(d.passed, true);
  const r = d.verdict({ ok: true, produced: 12 });
  assert.equal(r.ok, false);
  assert.match(String(r.deadline_missed), /^3000 answers before kill 1, not within the scenario's 0 s$/);
  // The first miss is the one reported.
  d.miss('later');
  assert.match(String(d.verdict({ ok: true }).deadline_missed), /^3000 answers/);
});

test('a wait that is met in time leaves the verdict alone', async () => {
  const d = new Deadline(5_000);
  let n = 0;
  assert.equal(await d.wait(() => ++n > 3, 'never missed'), true);
  assert.deepEqual(d.verdict({ ok: true }), { ok: true });
  assert.equal(sizedDeadlineMs(100_000, 250, 120_000), 520_000);
});

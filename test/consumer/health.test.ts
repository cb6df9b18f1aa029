import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consumerHealth, STALL_MS } from '../../src/consumer/health.ts';
import type { IngestStats } from '../../src/consumer/ingest/ingest.ts';

const NOW = 1_800_000_000_000;
const stats = (patch: Partial<IngestStats> = {}): IngestStats => ({
  received: 10,
  receivedEvents: 10,
  committedEvents: 10,
  committedDetections: 20,
  duplicates: 0,
  deadLettered: 0,
  storeRefused: 0,
  batches: 1,
  lastBatchSize: 10,
  lastCommitMs: 3,
  lastCommitAtMs: NOW - 1_000,
  commitStartedAtMs: 0,
  failingSinceMs: 0,
  pending: 0,
  storeFailures: 0,
  ...patch,
});

test('health: only a running consumer whose store takes its writes is healthy; every other state says why', { timeout: 10_000 }, () => {
  const cases: [string, ReturnType<typeof consumerHealth>, string, boolean][] = [
    ['committing', consumerHealth('running', stats(), undefined, NOW), 'ingesting', true],
    ['idle, nothing to commit', consumerHealth('running', stats({ lastCommitAtMs: 0 }), undefined, NOW), 'ingesting', true],
    ['a store failing for a moment', consumerHealth('running', stats({ failingSinceMs: NOW - 2_000 }), undefined, NOW), 'ingesting', true],
    [
      'a store failing for 30 s',
      consumerHealth('running', stats({ failingSinceMs: NOW - STALL_MS }), undefined, NOW),
      'store_failing',
      false,
    ],
    [
      'one commit running for 30 s',
      consumerHealth('running', stats({ commitStartedAtMs: NOW - STALL_MS - 1 }), undefined, NOW),
      'commit_stalled',
      false,
    ],
    ['waiting for its store at start-up', consumerHealth('waiting_for_store', undefined, undefined, NOW), 'waiting_for_store', false],
    ['joining the broker', consumerHealth('starting', undefined, undefined, NOW), 'starting', false],
    ['stopped for good', consumerHealth('running', stats(), 'permission denied for table events', NOW), 'stopped', false],
  ];
  for (const [what, health, status, ok] of cases) {
    assert.equal(health.status, status, what);
    assert.equal(health.ok, ok, what);
  }
  assert.match(consumerHealth('running', stats({ failingSinceMs: NOW - 45_000 }), undefined, NOW).detail, /failing for 45 s/);
  assert.match(consumerHealth('running', stats(), 'permission denied', NOW).detail, /permission denied/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NewestPerCamera } from '../../src/store/duckdb/newest-per-camera.ts';

test("NewestPerCamera: only events after their own camera's newest are new", { timeout: 10_000 }, () => {
  const newest = new NewestPerCamera();
  newest.load([]);
  newest.record('eu/p1/fast', 1_000, 'a');
  newest.record('eu/p1/slow', 400, 'b');
  assert.equal(newest.isNew('eu/p1/slow', 500, 'c'), true, 'the slow camera is not held to the fast one');
  assert.equal(newest.isNew('eu/p1/fast', 999, 'd'), false);
  assert.equal(newest.isNew('eu/p1/other', 1, 'e'), true, 'a camera with nothing stored');
});

test('NewestPerCamera: at the newest millisecond, a known id is stored and another one is new', { timeout: 10_000 }, () => {
  const newest = new NewestPerCamera();
  newest.load([]);
  newest.record('eu/p1/cam', 1_000, 'a');
  newest.record('eu/p1/cam', 1_000, 'b');
  assert.equal(newest.isNew('eu/p1/cam', 1_000, 'a'), false);
  assert.equal(newest.isNew('eu/p1/cam', 1_000, 'c'), true);
  newest.record('eu/p1/cam', 1_001, 'c');
  assert.equal(newest.isNew('eu/p1/cam', 1_000, 'x'), false, 'older than the newest now');
});

test('NewestPerCamera: marks read from the table send ties to a lookup, and forget() asks for a reload', { timeout: 10_000 }, () => {
  const newest = new NewestPerCamera();
  assert.equal(newest.known, false);
  newest.load([{ camera: 'eu/p1/cam', ms: 1_000 }]);
  assert.equal(newest.known, true);
  assert.equal(newest.isNew('eu/p1/cam', 1_000, 'unseen'), false, 'ids at that millisecond were not read back');
  assert.equal(newest.isNew('eu/p1/cam', 1_001, 'later'), true);
  newest.forget();
  assert.equal(newest.known, false);
});

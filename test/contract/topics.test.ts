import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectionTopic, parseTopic, type SeamError, sharedDetectionFilter, statusTopic } from '../../src/contract/index.ts';

const id = { region: 'eu', site: 'plant-1', camera: 'cam_01' };

test('builds detection and status topics from a camera identity', { timeout: 10_000 }, () => {
  assert.equal(detectionTopic(id), 'vision/eu/plant-1/cam_01/detection');
  assert.equal(statusTopic(id), 'vision/eu/plant-1/cam_01/status');
});

test('parses what it builds', { timeout: 10_000 }, () => {
  assert.deepEqual(parseTopic(detectionTopic(id)), { ...id, kind: 'detection' });
  assert.deepEqual(parseTopic(statusTopic(id)), { ...id, kind: 'status' });
});

test('refuses to build a topic from an identifier that would break the topic tree', { timeout: 10_000 }, () => {
  for (const camera of ['cam/01', 'cam+', '#', 'Cam', '', 'x'.repeat(65)]) {
    assert.throws(
      () => detectionTopic({ ...id, camera }),
      (e: SeamError) => e.field === 'camera' && /lowercase/.test(e.message),
    );
  }
});

const bad: [string, string][] = [
  ['vision/eu/plant-1/cam-01', 'topic'],
  ['vision/eu/plant-1/cam-01/detection/extra', 'topic'],
  ['other/eu/plant-1/cam-01/detection', 'topic'],
  ['vision/eu/plant-1/cam-01/telemetry', 'topic'],
  ['vision/EU/plant-1/cam-01/detection', 'topic.region'],
  ['vision/eu/plant 1/cam-01/detection', 'topic.site'],
  ['vision/eu/plant-1//detection', 'topic.camera'],
];
for (const [topic, field] of bad) {
  test(`rejects topic "${topic}" naming ${field}`, { timeout: 10_000 }, () => {
    assert.throws(
      () => parseTopic(topic),
      (e: SeamError) => e.code === 'SEAM_ERR_BAD_TOPIC' && e.field === field,
    );
  });
}

test('shared subscription filter carries the group and rejects a bad group name', { timeout: 10_000 }, () => {
  assert.equal(sharedDetectionFilter('seamline'), '$share/seamline/vision/+/+/+/detection');
  assert.throws(
    () => sharedDetectionFilter('a/b'),
    (e: SeamError) => e.code === 'SEAM_ERR_CONFIG',
  );
});

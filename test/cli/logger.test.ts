import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/cli/process/logger.ts';

/**
 * docs/security.md: in logs a URL keeps its host and port and loses only its password; a password field is
 * never shown. Regression (issue 14): the consumer logged `"url":"[redacted]"` even without a password while
 * the bridge logged its broker URL in full.
 */
function logged(fields: Record<string, unknown>): Record<string, unknown> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const logger = createLogger('info', 'test', out);
  logger.info(fields, 'line');
  logger.flush();
  return JSON.parse(text.trim()) as Record<string, unknown>;
}

test('a url or broker field keeps host and port and shows *** for its password; password fields are replaced whole', {
  timeout: 10_000,
}, () => {
  const line = logged({
    url: 'mqtt://consumer:s3cret@broker.plant-1:8883',
    broker: 'mqtts://cam:hunter2@broker:8883',
    options: { password: 'hunter2' },
    password: 'hunter2',
    plain: { url: 'mqtt://127.0.0.1:1883' },
  });
  assert.equal(line.url, 'mqtt://consumer:***@broker.plant-1:8883');
  assert.equal(line.broker, 'mqtts://cam:***@broker:8883');
  assert.equal(line.password, '[redacted]');
  assert.deepEqual(line.options, { password: '[redacted]' });
  assert.deepEqual(line.plain, { url: 'mqtt://127.0.0.1:1883' });
  assert.doesNotMatch(JSON.stringify(line), /s3cret|hunter2/);
});

test("a url without a password is logged as it is, the same in the consumer's and the bridge's fields", { timeout: 10_000 }, () => {
  const line = logged({ url: 'mqtt://broker:1883', broker: 'mqtt://broker:1883' });
  assert.equal(line.url, 'mqtt://broker:1883');
  assert.equal(line.broker, 'mqtt://broker:1883');
});

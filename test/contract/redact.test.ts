import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl, redactUrlsIn } from '../../src/plumbing/redact.ts';

test('redactUrl replaces the password and keeps user, host and port', { timeout: 5_000 }, () => {
  assert.equal(redactUrl('rtsp://admin:hunter2@10.0.0.5:554/live'), 'rtsp://admin:***@10.0.0.5:554/live');
  assert.equal(redactUrl('not a url'), '<unparseable url>');
});

test('redactUrlsIn hides every password inside a decoder line and leaves URLs without one alone', { timeout: 5_000 }, () => {
  const line = '[tcp @ 0x5600] rtsp://admin:hunter2@10.0.0.5:554/live: Connection refused; http://cam@host/a.ts; srt://u:p%40ss@h:9000';
  const out = redactUrlsIn(line);
  assert.equal(out, '[tcp @ 0x5600] rtsp://admin:***@10.0.0.5:554/live: Connection refused; http://cam@host/a.ts; srt://u:***@h:9000');
  assert.ok(!out.includes('hunter2') && !out.includes('p%40ss'));
});

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { createBridge } from '../../src/edge/bridge/bridge.ts';
import { runStdinInput } from '../../src/edge/inputs/stdin.ts';
import { makeInput, tempDir } from './support.ts';

function lines(stream: PassThrough): Record<string, unknown>[] {
  const text = stream.read()?.toString() ?? '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((l: string) => JSON.parse(l));
}

describe('stdin input', () => {
  test('answers each accepted line with event_id and seq once durable, and each refused line on the errors stream with field and reason', {
    timeout: 30_000,
  }, async () => {
    const { dir, cleanup } = tempDir();
    // Never started: accepting needs only the outbox, so no broker is involved.
    const bridge = createBridge({
      url: 'mqtt://127.0.0.1:1',
      clientId: 'stdin-test',
      region: 'eu',
      site: 'plant-1',
      camera: 'cam-01',
      dataDir: dir,
    });
    const input = new PassThrough();
    const output = new PassThrough();
    const errors = new PassThrough();
    const run = runStdinInput(bridge, { input, output, errors, maxPending: 8 });
    const records = [
      JSON.stringify(makeInput()),
      '{"captured_at": ',
      JSON.stringify(makeInput({ camera: 'CAM' })),
      '',
      ...Array.from({ length: 50 }, () => JSON.stringify(makeInput())),
      JSON.stringify(makeInput({ detections: [{ class: 'dent', class_id: 2, confidence: -0.1, bbox: [0, 0, 1, 1] }] })),
    ];
    input.end(records.join('\n') + '\n');
    const result = await run;
    assert.deepEqual(result, { lines: 55, accepted: 51, refused: 3 });
    const answers = lines(output);
    assert.equal(answers.length, 51);
    assert.deepEqual(
      answers.map((a) => a.seq),
      Array.from({ length: 51 }, (_, i) => i + 1),
    );
    assert.equal(answers[0].line, 1);
    assert.match(String(answers[0].event_id), /^[0-9a-f-]{36}$/);
    const refused = lines(errors);
    assert.deepEqual(
      refused.map((r) => [r.line, r.error, r.field]),
      [
        [2, 'SEAM_ERR_INVALID_INPUT', '(root)'],
        [3, 'SEAM_ERR_INVALID_INPUT', 'camera'],
        [55, 'SEAM_ERR_INVALID_INPUT', 'detections[0].confidence'],
      ],
    );
    assert.match(String(refused[1].reason), /lowercase/);
    assert.equal(bridge.stats().outbox_depth, 51);
    await bridge.close();
    cleanup();
  });

  test('without an errors stream, a refusal is answered on the output stream beside the accepted lines, naming its line', {
    timeout: 30_000,
  }, async () => {
    const { dir, cleanup } = tempDir();
    const bridge = createBridge({
      url: 'mqtt://127.0.0.1:1',
      clientId: 'stdin-default',
      region: 'eu',
      site: 'plant-1',
      camera: 'cam-01',
      dataDir: dir,
    });
    const input = new PassThrough();
    const output = new PassThrough();
    const run = runStdinInput(bridge, { input, output });
    input.end([JSON.stringify(makeInput()), JSON.stringify(makeInput({ camera: 'CAM' })), JSON.stringify(makeInput())].join('\n') + '\n');
    assert.deepEqual(await run, { lines: 3, accepted: 2, refused: 1 });
    const answers = lines(output).sort((a, b) => Number(a.line) - Number(b.line));
    assert.deepEqual(
      answers.map((a) => [a.line, a.seq ?? a.error]),
      [
        [1, 1],
        [2, 'SEAM_ERR_INVALID_INPUT'],
        [3, 2],
      ],
    );
    await bridge.close();
    cleanup();
  });
});

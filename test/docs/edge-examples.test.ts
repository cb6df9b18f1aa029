import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fencedBlocks, read, ROOT, section } from './markdown.ts';
import { createSandbox, type Sandbox } from './sandbox.ts';

/**
 * docs/edge.md's input examples (the ```sh blocks of "Input formats"), each run as written as one bash script in
 * the sandbox, with Mosquitto on 127.0.0.1:1883 as the examples' --url says.
 */
const edgeExamples = fencedBlocks(section(read(join(ROOT, 'docs/edge.md')), /^## Input formats/), 'sh');

let sandbox: Sandbox;
before(async () => {
  sandbox = await createSandbox();
});
after(async () => {
  await sandbox?.close();
});

/** Every stdout line of an input example answers one record: accepted with event_id and seq, or refused. */
function answers(out: string): Record<string, unknown>[] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

edgeExamples.forEach((block, i) => {
  test(`docs/edge.md input example ${i + 1} runs as written and answers as documented`, { timeout: 120_000 }, async () => {
    await sandbox.startBroker();
    try {
      const ran = sandbox.spawn(block);
      const code = await ran.exited;
      assert.equal(code, 0, `--- stdout\n${ran.out()}\n--- stderr\n${ran.err()}`);
      const got = answers(ran.out());
      assert.ok(got.length > 0, 'it answered');
      for (const a of got) {
        const accepted = typeof a.event_id === 'string' && typeof a.seq === 'number';
        const refused = typeof a.error === 'string' && typeof a.reason === 'string';
        assert.ok(accepted !== refused, `an answer is either accepted or refused: ${JSON.stringify(a)}`);
      }
      // Logs never mix with answers: everything on stderr is the bridge's own JSON log.
      for (const l of ran.err().split('\n').filter(Boolean)) assert.equal(typeof (JSON.parse(l) as { level?: unknown }).level, 'number', l);
      if (block.includes('--stdin')) {
        assert.ok(
          got.some((a) => a.event_id) && got.some((a) => a.error === 'SEAM_ERR_INVALID_INPUT'),
          'the stdin example shows an answer and a refusal',
        );
      }
    } finally {
      await sandbox.stopBroker();
    }
  });
});

/**
 * Node's flags for seamline (plumbing/modules.ts NODE_FLAGS) are said in three places that nothing else ties
 * together: the bin's shebang, `npm start` and `npm run seamline`. These tests hold them equal, and show that the
 * shebang's flags reach the Node it starts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NODE_FLAGS, repoPath, seamlineArgs } from '../../src/plumbing/modules.ts';

const shebang = readFileSync(repoPath('bin/seamline.js'), 'utf8').split('\n')[0];

test('the bin, npm start and npm run seamline run node with NODE_FLAGS', () => {
  assert.equal(shebang, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  const scripts = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')).scripts as Record<string, string>;
  assert.ok(scripts.start.endsWith(`node ${NODE_FLAGS.join(' ')} bin/seamline.js start`), scripts.start);
  assert.equal(scripts.seamline, `node ${NODE_FLAGS.join(' ')} bin/seamline.js`);
  assert.deepEqual(seamlineArgs(['consumer']), [...NODE_FLAGS, repoPath('bin/seamline.js'), 'consumer']);
});

test("the shebang's flags reach the node it starts, and the bin run by it answers --help", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-flags-'));
  try {
    const probe = join(dir, 'probe.mjs');
    writeFileSync(probe, `${shebang}\nconsole.log(JSON.stringify(process.execArgv));\n`);
    chmodSync(probe, 0o755);
    const r = spawnSync(probe, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), NODE_FLAGS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const help = spawnSync(repoPath('bin/seamline.js'), ['--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: seamline/);
});

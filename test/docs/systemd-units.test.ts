import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { read, ROOT } from './markdown.ts';

/** The ini blocks of a doc that start with `# /etc/systemd/system/<unit>`, dedented (edge.md's sits in a list). */
function unitBlocks(text: string): { name: string; body: string }[] {
  return [...text.matchAll(/^( *)```ini\n([\s\S]*?)^ *```/gm)].flatMap((m) => {
    const body = m[2].replace(new RegExp(`^ {0,${m[1].length}}`, 'gm'), '');
    const name = /^# \/etc\/systemd\/system\/(\S+\.service)/.exec(body)?.[1];
    return name ? [{ name, body }] : [];
  });
}

test('the systemd units in docs/operations.md and docs/edge.md pass systemd-analyze verify without a warning', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-units-'));
  try {
    const units = ['docs/operations.md', 'docs/edge.md'].flatMap((doc) => unitBlocks(read(join(ROOT, doc))));
    assert.ok(units.length >= 2, `found ${units.map((u) => u.name).join(', ')}`);
    for (const { name, body } of units) {
      // A template is verified as one of its instances; ExecStart is checked against this machine's node.
      const file = join(dir, name.replace('@.service', '@1.service'));
      writeFileSync(file, body.replaceAll('/usr/bin/node', process.execPath));
      const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      assert.equal(r.error, undefined, `systemd-analyze: ${r.error?.message}`);
      const warnings = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes(file));
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.deepEqual(warnings, [], `${name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The services and tools the suite starts must be there, and their absence must fail the run by name. A launcher
 * that cannot find its binary throws inside a `before` hook, which Node's runner reports as cancelled tests, not
 * as a failure; this file turns each missing one into a failed test, whichever way the suite was started
 * (`npm test` on a machine set up by hand, or scripts/test-all.sh, whose NEEDS table this reads).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const SCRIPT = new URL('../../scripts/test-all.sh', import.meta.url);

/** The NEEDS table of scripts/test-all.sh: Debian package -> a file it installs. */
function needs(): [string, string][] {
  const table = /declare -A NEEDS=\(\n([\s\S]*?)\n\)/.exec(readFileSync(SCRIPT, 'utf8'));
  assert.ok(table, 'scripts/test-all.sh declares its NEEDS table');
  return [...table[1].matchAll(/^\s*\[([\w.+-]+)\]=(\S+)\s*$/gm)].map((m) => [m[1], m[2]]);
}

test('the NEEDS table of scripts/test-all.sh lists every service the tests start', { timeout: 10_000 }, () => {
  const packages = needs().map(([pkg]) => pkg);
  for (const pkg of ['mosquitto', 'postgresql-15', 'influxdb', 'victoria-metrics', 'chromium', 'ffmpeg']) {
    assert.ok(packages.includes(pkg), `${pkg} is in NEEDS`);
  }
});

for (const [pkg, file] of needs()) {
  test(`${pkg} is installed: ${file} exists`, { timeout: 10_000 }, () => {
    assert.ok(existsSync(file), `${file} not found: install the Debian package ${pkg} (bash scripts/test-all.sh does)`);
  });
}

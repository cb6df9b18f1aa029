import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
const dir = mkdtempSync(join(tmpdir(), 'seamline-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('every command has --help that names its flags', () => {
  for (const [command, flag] of [['start', '--cameras'], ['edge', '--fsync'], ['consumer', '--store'], ['bench', '--json'], ['chaos', '--json']]) {
    const r = run(command, '--help');
    assert.equal(r.status, 0, `${command} --help`);
    assert.ok(r.stdout.includes(flag), `${command} --help mentions ${flag}`);
  }
  assert.match(run('--help').stdout, /start[\s\S]*edge[\s\S]*consumer[\s\S]*bench[\s\S]*chaos/);
});

/** [what, args, exit code, text the error must contain] */
const refusals: [string, string[], number, RegExp][] = [
  ['a non-numeric port', ['start', '--http-port', 'eighty'], 1, /--http-port.*"eighty" is not a whole number/],
  ['a port out of range', ['start', '--mqtt-port', '70000'], 2, /SEAM_ERR_CONFIG.*mqttPort must be <= 65535/],
  ['a bad region name', ['start', '--region', 'EU West'], 2, /SEAM_ERR_CONFIG.*region must be 1\.\.64 characters/],
  ['a dashboard on every interface', ['start', '--host', '0.0.0.0'], 2, /SEAM_ERR_CONFIG.*host 0\.0\.0\.0 would expose an unauthenticated listener/],
  ['a broker URL that is not MQTT', ['consumer', '--url', 'http://broker'], 2, /SEAM_ERR_CONFIG.*url must start with mqtt:\/\/ or mqtts:\/\//],
  ['an unknown store scheme', ['consumer', '--store', 'mongodb://x', '--metrics-port', '-1'], 2, /SEAM_ERR_CONFIG.*store\.url scheme mongodb/],
  ['an unknown fsync policy', ['edge', '--fsync', 'sometimes'], 1, /--fsync.*sometimes.*Allowed choices are always, batch, never/],
  ['a missing config file', ['edge', '--config', '/nonexistent/seamline.json'], 2, /SEAM_ERR_CONFIG.*cannot read config file \/nonexistent\/seamline\.json/],
  ['zero bench rounds', ['bench', 'consumer', '--rounds', '0'], 1, /--rounds.*"0" must be at least 1/],
  ['an unknown bench target', ['bench', 'toaster'], 1, /'toaster' is invalid for argument 'target'\. Allowed choices are edge, consumer\./],
];
for (const [what, args, code, message] of refusals) {
  test(`refuses ${what} with a message naming it`, () => {
    const r = run(...args);
    assert.equal(r.status, code, r.stderr);
    assert.match(r.stderr, message);
  });
}

test('a config file key with a typo is refused, naming the key', () => {
  const file = join(dir, 'typo.json');
  writeFileSync(file, JSON.stringify({ cameraz: 3 }));
  const r = run('start', '--config', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /SEAM_ERR_CONFIG.*cameraz is not a field of seamline start config/);
});

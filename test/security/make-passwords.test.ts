import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

/** deploy/mosquitto/make-passwords.sh as its README tells an operator to run it (issue 14). */
const SCRIPT = new URL('../../deploy/mosquitto/make-passwords.sh', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'seamline-make-passwords-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', cwd: dir, timeout: 30_000 });

test('without arguments it prints its usage, and only that, and exits 2', { timeout: 30_000 }, () => {
  const r = run();
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'usage: make-passwords.sh CAMERAS_FILE OUT_DIR [SERVICE_USER ...]   (see cameras.example.txt)\n');
});

test('a camera file that does not exist is named, exit 2, and no output directory is made', { timeout: 30_000 }, () => {
  const out = join(dir, 'out-missing');
  const r = run(join(dir, 'cameras.txt'), out);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^cameras file '\S+cameras\.txt' not found or not readable/);
  assert.doesNotMatch(r.stderr, /No such file or directory/, 'not a raw shell error');
  assert.equal(existsSync(out), false);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('.make-passwords')),
    [],
    'no temporary directory left',
  );
});

test('a bad line is named with its number and leaves no half-made output, though lines before it were good', { timeout: 30_000 }, () => {
  const cameras = join(dir, 'bad.txt');
  writeFileSync(cameras, 'eu plant-1 cam-01\neu plant-1 cam-02\neu Plant-1 cam-03\n');
  const out = join(dir, 'out-bad');
  const r = run(cameras, out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.txt:3: 'Plant-1' is not an identifier/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('.make-passwords')),
    [],
  );
});

test('a good list gives passwd, acl and one password file per user, and a second run refuses to overwrite', { timeout: 30_000 }, () => {
  const cameras = join(dir, 'good.txt');
  writeFileSync(cameras, '# a comment\neu plant-1 cam-01\n\neu plant-2 cam-01\n');
  const out = join(dir, 'out-good');
  const r = run(cameras, out, 'consumer', 'grafana');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote \S+\/passwd, \S+\/acl and 4 password files/);
  assert.deepEqual(readdirSync(out).sort(), ['acl', 'passwd', 'secrets']);
  assert.deepEqual(readdirSync(join(out, 'secrets')).sort(), [
    'consumer.password',
    'eu.plant-1.cam-01.password',
    'eu.plant-2.cam-01.password',
    'grafana.password',
  ]);
  const again = run(cameras, out);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /passwd exists/);
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mosquittoPath } from '../../src/proof/services/mosquitto.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

// With Mosquitto the broker is a process of its own, which is what this test is about: the embedded broker
// lives inside the bench and would go down with it whatever the bench did, so the test must not fall back to it.
test('a bench stopped with SIGTERM takes its Mosquitto and publisher down with it', { timeout: 60_000 }, async (t) => {
  assert.ok(mosquittoPath(), 'mosquitto is not installed (Debian: apt-get install mosquitto); this test needs it');
  const bench = spawn(process.execPath, [BIN, 'bench', 'consumer', '--events', '2000000', '--rounds', '1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A failed assertion must not leave a two-million-event bench running on the machine.
  t.after(() => void (bench.exitCode === null && bench.signalCode === null && bench.kill('SIGTERM')));
  let err = '';
  bench.stderr.on('data', (d) => (err += d));
  const exited = once(bench, 'exit');
  // Wait until the broker is up and the publisher is building its payloads.
  while (!/broker: \w+ at mqtt:\/\/127\.0\.0\.1:(\d+)/.test(err)) {
    assert.equal(bench.exitCode, null, err);
    await new Promise((r) => setTimeout(r, 100));
  }
  const [, broker, port] = /broker: (\w+) at mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(err)!.map(String);
  assert.equal(broker, 'mosquitto', 'the bench runs on Mosquitto, not the embedded broker');
  assert.equal(await refused(Number(port)), false, 'the broker is listening while the bench runs');
  await new Promise((r) => setTimeout(r, 1_000));
  bench.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 143);
  for (let i = 0; i < 50 && !(await refused(Number(port))); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await refused(Number(port)), true, 'the Mosquitto process is gone');
  const workers = spawn('pgrep', ['-f', `publish-worker.ts .*127.0.0.1:${port}`]);
  const [found] = await once(workers, 'exit');
  assert.equal(found, 1, 'no publish worker of that broker is left');
});

const processesUnder = async (dir: string) => {
  const found = spawn('pgrep', ['-f', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  found.stdout.on('data', (d) => (out += d));
  await once(found, 'exit');
  return out.trim().split('\n').filter(Boolean).length;
};

test('a chaos run stopped with Ctrl-C leaves no process and no temp directory behind', { timeout: 90_000 }, async (t) => {
  // Its own temp dir, traversable by the PostgreSQL user, so what the run leaves is exactly what is in it.
  const tmp = mkdtempSync(join(tmpdir(), 'seamline-sigint-'));
  chmodSync(tmp, 0o755);
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const chaos = spawn(process.execPath, [BIN, 'chaos', 'store-outage'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TMPDIR: tmp },
  });
  t.after(() => void (chaos.exitCode === null && chaos.signalCode === null && chaos.kill('SIGKILL')));
  let err = '';
  chaos.stderr.on('data', (d) => (err += d));
  const exited = once(chaos, 'exit');
  // Live first: Mosquitto and PostgreSQL running from their directories under it.
  while ((await processesUnder(tmp)) < 2) {
    assert.equal(chaos.exitCode, null, err);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(readdirSync(tmp).length >= 2, `the run's directories: ${readdirSync(tmp).join(', ')}`);
  chaos.kill('SIGINT');
  const [code] = await exited;
  assert.equal(code, 130);
  for (let i = 0; i < 50 && (await processesUnder(tmp)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await processesUnder(tmp), 0, 'no broker or database left running');
  assert.deepEqual(readdirSync(tmp), [], 'no temp directory left');
});

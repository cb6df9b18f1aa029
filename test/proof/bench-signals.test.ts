import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
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

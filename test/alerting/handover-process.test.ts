/**
 * The handover notice from `seamline alerts run` as a real process on a DuckDB file, SIGKILLed again and again
 * around its shift end: the receiver gets the notice exactly once. The shift is configured to have ended two
 * minutes ago (UTC, real time): each engine start finds it by the 24 h look-back, as a restarted engine finds a
 * shift end it was down for. The engine-level tests (handover.test.ts) place kills before and at the end on a fake clock.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { killWithUs } from '../../src/plumbing/children.ts';
import { startPostgres } from '../../src/proof/services/postgres.ts';
import { SEAMLINE_BIN } from '../helpers/seamline-cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { notices } from './handover-harness.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

const MIN = 60_000;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** `seamline alerts run` on the file; resolves once it says it runs (its loop is then started). */
async function engine(config: string, store: string): Promise<ChildProcess> {
  const child = killWithUs(
    spawn(
      process.execPath,
      [SEAMLINE_BIN, 'alerts', 'run', '--config', config, '--store', store, '--metrics-port', '-1', '--log-level', 'info'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await waitFor(() => out.includes('alerting running') || child.exitCode !== null, 30_000, 'alerts run to start');
  assert.equal(child.exitCode, null, out);
  return child;
}

const kill = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
};

/** An alerts file whose only shift (UTC, every day) ended two minutes ago, handed over to `hookUrl` at once; and its notice id. */
function shiftJustEnded(dir: string, hookUrl: string): { config: string; id: string } {
  const config = join(dir, 'alerts.json');
  const end = Math.floor(Date.now() / MIN) * MIN - 2 * MIN;
  writeFileSync(
    config,
    JSON.stringify({
      evaluateEvery: '200ms',
      shifts: {
        line: { timezone: 'UTC', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: hhmm(end - 60 * MIN), end: hhmm(end) },
      },
      receivers: [{ name: 'hook', type: 'webhook', url: hookUrl }],
      route: { receivers: ['hook'] },
      rules: [],
      handover: { receivers: ['hook'], delay: '0s' },
    }),
  );
  return { config, id: `handover:line:${end - 60 * MIN}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('alerts run SIGKILLed around a shift end, with the receiver down and up: the notice arrives exactly once', {
  timeout: 180_000,
}, async () => {
  const hook = await startWebhookReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'seamline-handover-process-'));
  const store = join(dir, 'seamline.duckdb');
  const { config, id } = shiftJustEnded(dir, hook.url);
  try {
    // The receiver refuses: the first engine queues the notice and tries it, and is killed.
    hook.down = true;
    let child = await engine(config, store);
    await waitFor(() => hook.refused >= 1, 30_000, 'the first try');
    await kill(child);
    // Killed at once after starting, and again a little later: whatever it was doing, nothing is lost or doubled.
    for (const afterMs of [0, 300, 700]) {
      child = await engine(config, store);
      await sleep(afterMs);
      await kill(child);
    }
    const refused = hook.refused;
    child = await engine(config, store);
    await waitFor(() => hook.refused > refused, 30_000, 'a later try of the queued notice');
    await kill(child);
    assert.equal(hook.bodies.length, 0);

    // The receiver is back: the next engine delivers it, is killed, and the one after sends nothing more.
    hook.down = false;
    child = await engine(config, store);
    await waitFor(() => hook.bodies.length >= 1, 30_000, 'the notice');
    await sleep(1_000);
    await kill(child);
    child = await engine(config, store);
    await sleep(2_000); // ten evaluations
    await kill(child);
    assert.deepEqual(
      notices(hook).map((n) => [n.id, n.shift, n.summary.run.minutes]),
      [[id, 'line', 60]],
    );
    assert.deepEqual(hook.keys, [id]);
  } finally {
    await hook.close();
  }
});

test('two alerts run processes on one PostgreSQL at a shift end, one SIGKILLed, then restarted: the notice arrives exactly once', {
  timeout: 180_000,
}, async () => {
  const [server, hook] = await Promise.all([startPostgres(), startWebhookReceiver()]);
  const { config, id } = shiftJustEnded(mkdtempSync(join(tmpdir(), 'seamline-handover-pg-')), hook.url);
  const running: ChildProcess[] = [];
  try {
    hook.down = true;
    running.push(...(await Promise.all([engine(config, server.url), engine(config, server.url)])));
    await waitFor(() => hook.refused >= 1, 30_000, 'the first try');
    // Kill one (the leader or the standby: either way the notice is queued once and the other delivers it).
    await kill(running.shift()!);
    hook.down = false;
    await waitFor(() => hook.bodies.length >= 1, 60_000, 'the notice');
    running.push(await engine(config, server.url));
    await sleep(2_000); // ten evaluations of both
    assert.deepEqual(
      notices(hook).map((n) => [n.id, n.shift]),
      [[id, 'line']],
    );
    assert.deepEqual(hook.keys, [id]);
  } finally {
    await Promise.all(running.map(kill));
    await hook.close();
    await server.stop();
  }
});

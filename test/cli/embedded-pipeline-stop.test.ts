/**
 * A stop that always ends: a step that hangs (here the alert engine's close, made to never resolve) is logged by
 * name and the steps after it still run, so the dashboard, the store and the broker are closed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { START_DEFAULTS } from '../../src/cli/config/start.ts';
import { startEmbeddedPipeline } from '../../src/cli/services/embedded-pipeline.ts';
import { boundedStep } from '../../src/plumbing/bounded-step.ts';

function capturedLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

const refuses = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

test('boundedStep: true when the step ends in time, false and logged by name when it is late or throws', { timeout: 10_000 }, async () => {
  const { logger, lines } = capturedLogger();
  assert.equal(await boundedStep(logger, 'quick', 1_000, () => new Promise((r) => setTimeout(r, 10))), true);
  assert.equal(lines.length, 0);
  const started = Date.now();
  assert.equal(await boundedStep(logger, 'hangs', 200, () => new Promise(() => {})), false);
  assert.ok(Date.now() - started < 1_000, 'left after its bound');
  assert.equal(await boundedStep(logger, 'throws', 1_000, () => Promise.reject(new Error('no socket'))), false);
  assert.equal(
    await boundedStep(logger, 'throws at once', 1_000, () => {
      throw new Error('sync');
    }),
    false,
  );
  assert.deepEqual(
    lines.map((l) => [l.step, l.err ?? l.ms]),
    [
      ['hangs', 200],
      ['throws', 'no socket'],
      ['throws at once', 'sync'],
    ],
  );
});

test('a pipeline whose alert engine never closes still stops: the step is named, dashboard, store and broker closed', {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-stop-'));
  const { logger, lines } = capturedLogger();
  try {
    const pipeline = await startEmbeddedPipeline({ ...START_DEFAULTS, mqttPort: 0, httpPort: 0, dataDir: dir, cameras: 0 }, logger);
    assert.ok(pipeline.alerting, 'the default alerts run');
    assert.equal(await refuses(pipeline.dashboard.url), false, 'the dashboard listens before the stop');
    const realClose = pipeline.alerting.close;
    pipeline.alerting.close = () => new Promise(() => {});
    const started = Date.now();
    await pipeline.stop(1_000);
    const took = Date.now() - started;
    assert.ok(took < 15_000, `the stop ended (${took} ms)`);
    assert.deepEqual(
      lines.filter((l) => l.step).map((l) => l.step),
      ['alerting'],
    );
    assert.equal(await refuses(pipeline.dashboard.url), true, 'the dashboard is closed');
    assert.equal(await refuses(pipeline.broker.url.replace('mqtt:', 'http:')), true, 'the broker is closed');
    await assert.rejects(pipeline.store.connect(), /not open/, 'the store is closed');
    await realClose(); // the engine's timers, left running by the hung step, would hold the test process open
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

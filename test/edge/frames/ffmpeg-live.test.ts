import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { isSeamError } from '../../../src/contract/index.ts';
import { FfmpegSource, type FfmpegSourceOptions } from '../../../src/edge/frames/ffmpeg-source.ts';
import type { Frame } from '../../../src/edge/frames/frame-source.ts';
import { freePort } from '../../../src/proof/services/free-port.ts';
import { waitFor } from '../../helpers/wait.ts';
import { alive } from './media.ts';
import { startStreamServer } from './stream-server.ts';

interface LogRecord {
  msg: string;
  [key: string]: unknown;
}

/** A live source with its frames, read times and log records collected. */
function watched(options: FfmpegSourceOptions) {
  const logs: LogRecord[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const source = new FfmpegSource({ backoff: { initialMs: 200, maxMs: 1_000 }, ...options, logger });
  const frames: Frame[] = [];
  const readAt: number[] = [];
  const start = () =>
    source.start((f) => {
      frames.push(f);
      readAt.push(Date.now());
    });
  const restartLogs = () => logs.filter((r) => r.msg === 'frame source restarting ffmpeg');
  return { source, frames, readAt, logs, start, restartLogs };
}

test("a live stream that is cut and restored resumes by itself, and every restart is counted and logged with ffmpeg's reason, password hidden", {
  timeout: 90_000,
}, async () => {
  const server = await startStreamServer({ fps: 25 });
  const live = watched({ input: server.url, watchdogSeconds: 5 });
  try {
    await live.start();
    await waitFor(() => live.frames.length >= 20, 20_000, '20 frames before the cut');
    await server.cut();
    await waitFor(() => live.source.stats().restarts >= 1, 15_000, 'a restart after the cut');
    const beforeRestore = live.frames.length;
    // Down long enough that reconnects are refused a few times, each one a counted restart.
    await new Promise((r) => setTimeout(r, 1_500));
    await server.restore();
    await waitFor(() => live.frames.length >= beforeRestore + 20, 30_000, '20 frames after the restore');

    const { restarts, lastError } = live.source.stats();
    const logged = live.restartLogs();
    assert.ok(restarts >= 2, `the drop and at least one refused reconnect (${restarts})`);
    assert.equal(logged.length, restarts, 'one log record per restart');
    assert.deepEqual(
      logged.map((r) => r.restarts),
      [...Array(restarts).keys()].map((k) => k + 1),
    );
    // Capped backoff: 200 ms doubling to the 1,000 ms cap while the port refuses.
    assert.deepEqual(
      logged.map((r) => r.delayMs),
      logged.map((_, k) => Math.min(1_000, 200 * 2 ** k)),
    );
    assert.ok(
      logged.some((r) => /Connection refused/.test(String(r.lastError))),
      `ffmpeg's own words are logged: ${JSON.stringify(logged.map((r) => r.lastError))}`,
    );
    const text = JSON.stringify(live.logs) + String(lastError);
    assert.ok(!text.includes('secret'), 'the password never reaches a log');
    assert.ok(text.includes('user:***@127.0.0.1'), 'the URL is still named, redacted');
    // Frame indices run on across restarts; capture times never go back and are never after the read.
    assert.deepEqual(
      live.frames.map((f) => f.index),
      [...live.frames.keys()],
    );
    live.frames.forEach((f, i) => {
      assert.ok(f.capturedAt <= live.readAt[i], `frame ${i} stamped after it was read`);
      if (i > 0) assert.ok(f.capturedAt >= live.frames[i - 1].capturedAt, `frame ${i} stamped before frame ${i - 1}`);
    });
  } finally {
    await live.source.stop();
    await server.close();
  }
});

test('the watchdog restarts a stream that stalls with its connection still open, once: the reconnect, still probing, is not killed', {
  timeout: 90_000,
}, async () => {
  const server = await startStreamServer({ fps: 25 });
  // N = 1.2 s is shorter than ffmpeg takes to connect and probe a stream here, which a run gets in full.
  const live = watched({ input: server.url, watchdogSeconds: 1.2 });
  try {
    await live.start();
    await waitFor(() => live.frames.length >= 10, 20_000, '10 frames before the stall');
    const stalledPid = live.source.pid!;
    server.stall();
    await waitFor(() => live.source.stats().restarts >= 1, 15_000, 'the watchdog to fire');
    const afterStall = live.frames.length;
    await waitFor(() => live.frames.length >= afterStall + 10, 30_000, '10 frames from the new connection');
    assert.equal(alive(stalledPid), false, 'the stalled ffmpeg is gone');
    const first = live.restartLogs()[0];
    assert.equal(first.reason, 'stalled');
    assert.equal(live.source.stats().restarts, 1, 'one stall, one restart');
    assert.equal(server.connections, 2, 'each restart is a new connection');
  } finally {
    await live.source.stop();
    await server.close();
  }
});

test('a sparse stream (a frame every 2 s) is not restarted with watchdogSeconds 5, but is with 1', { timeout: 120_000 }, async () => {
  const server = await startStreamServer({ fps: 0.5 });
  const patient = watched({ input: server.url, watchdogSeconds: 5, startTimeoutMs: 40_000 });
  const hasty = watched({ input: server.url, watchdogSeconds: 1, startTimeoutMs: 40_000 });
  try {
    await Promise.all([patient.start(), hasty.start()]);
    const startedWith = patient.frames.length;
    await new Promise((r) => setTimeout(r, 11_000));
    const gaps = patient.readAt.slice(1).map((t, i) => t - patient.readAt[i]);
    assert.ok(patient.frames.length >= startedWith + 4, `frames kept coming, ${patient.frames.length - startedWith} in 11 s`);
    assert.ok(Math.max(...gaps) >= 1_500, `the stream really is sparse: gaps ${gaps.join(', ')} ms`);
    assert.equal(patient.source.stats().restarts, 0, 'N above the gap: never restarted');
    assert.ok(hasty.source.stats().restarts >= 1, 'N below the gap: the same stream is restarted');
    assert.ok(hasty.restartLogs().every((r) => r.reason === 'stalled'));
  } finally {
    await Promise.all([patient.source.stop(), hasty.source.stop()]);
    await server.close();
  }
});

test("a stream URL nothing answers fails start() with SEAM_ERR_SOURCE_UNAVAILABLE naming it and ffmpeg's reason", {
  timeout: 30_000,
}, async () => {
  const port = await freePort();
  const source = new FfmpegSource({ input: `tcp://127.0.0.1:${port}` });
  await assert.rejects(
    source.start(() => {}),
    (err: unknown) => {
      assert.ok(isSeamError(err, 'SEAM_ERR_SOURCE_UNAVAILABLE'), String(err));
      assert.equal(err.kind, 'retryable');
      assert.match(err.message, new RegExp(`source tcp://127.0.0.1:${port}: .*Connection refused`));
      return true;
    },
  );
  assert.equal(source.stats().restarts, 0);
});

test('an HTTP stream that answers 404 fails start() naming the URL with its password hidden', { timeout: 30_000 }, async () => {
  const server = await startStreamServer({ fps: 25 });
  await server.close();
  const { createServer } = await import('node:http');
  const http = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => http.listen(server.port, '127.0.0.1', r));
  try {
    const source = new FfmpegSource({ input: server.url });
    await assert.rejects(
      source.start(() => {}),
      (err: unknown) => {
        assert.ok(isSeamError(err, 'SEAM_ERR_SOURCE_UNAVAILABLE'), String(err));
        assert.match(err.message, /user:\*\*\*@127\.0\.0\.1.*404/);
        assert.ok(!err.message.includes('secret'));
        return true;
      },
    );
  } finally {
    await new Promise((r) => http.close(r));
  }
});

test('stop() of a live source leaves no ffmpeg behind, also while it waits to reconnect', { timeout: 60_000 }, async () => {
  const server = await startStreamServer({ fps: 25 });
  const live = watched({ input: server.url, backoff: { initialMs: 5_000, maxMs: 5_000 } });
  try {
    await live.start();
    const pid = live.source.pid!;
    assert.ok(alive(pid));
    await live.source.stop();
    assert.equal(alive(pid), false, `ffmpeg ${pid} outlived stop()`);

    // Second source: cut its stream so it sits in a 5 s backoff, then stop it there.
    const again = watched({ input: server.url, backoff: { initialMs: 5_000, maxMs: 5_000 } });
    await again.start();
    const pid2 = again.source.pid!;
    await server.cut();
    await waitFor(() => again.source.stats().restarts === 1, 15_000, 'the drop');
    assert.equal(again.source.pid, undefined, 'no ffmpeg while it waits');
    await again.source.stop();
    await new Promise((r) => setTimeout(r, 5_500));
    assert.equal(again.source.pid, undefined, 'the pending restart was cancelled');
    assert.equal(again.source.stats().restarts, 1);
    assert.equal(alive(pid2), false);
  } finally {
    await server.close();
  }
});

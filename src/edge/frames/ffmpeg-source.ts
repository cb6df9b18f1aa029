/**
 * Video files and live streams (RTSP, HTTP, MPEG-TS over TCP/UDP, anything Debian's ffmpeg opens),
 * decoded and converted to RGB by ffmpeg at their own size into raw frames over a pipe (the detector
 * letterboxes them, as every source's frames). A live stream that
 * drops or stalls is restarted with capped backoff; a watchdog restarts a run that produced no frame for
 * `watchdogSeconds`. Policy and clocks: docs/inference.md, "Frame sources" and "Timestamps".
 */
import { pino, type Logger } from 'pino';
import { SeamError } from '../../contract/index.ts';
import { redactUrlsIn } from '../../plumbing/redact.ts';
import { FileClock, LiveClock } from './capture-clock.ts';
import { ffmpegArgs } from './ffmpeg-args.ts';
import { FfmpegRun, type RawFrame, type RunEnd } from './ffmpeg-run.ts';
import type { Frame, FrameSource, FrameSourceStats, PixelLayout } from './frame-source.ts';

export interface FfmpegSourceOptions {
  /** A video file path, or a stream URL: rtsp://, rtsps://, http(s)://, tcp://, udp://, rtmp://, srt://. */
  input: string;
  /** A live stream (restarted when it ends) or a finite file. Default: true for URLs, false for paths. */
  live?: boolean;
  /** `hwc` (default) or planar `chw` (R, G, B planes). */
  layout?: PixelLayout;
  /** Drop frames inside ffmpeg so at most this many a second reach the consumer (timestamps unchanged). */
  maxFps?: number;
  /** Files: decode at the file's own rate (ffmpeg -re), as a camera would deliver it. Default false: as fast as consumed. */
  realtime?: boolean;
  /** Files: epoch ms at which the recording began. Default: the file's creation_time, else start minus its duration. */
  startAt?: number;
  /** Live: restart a run that delivered no frame for this long (default 10). Set it above a sparse stream's longest gap. */
  watchdogSeconds?: number;
  /** Live: restart delays, doubling from `initialMs` to `maxMs` (defaults 500 and 10,000). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Live: how long start() waits for the first frame before it fails (default 15,000 ms). */
  startTimeoutMs?: number;
  /** Live: largest lag of captured_at behind the read time before the clock re-anchors (default 1,000 ms). */
  maxClockLagMs?: number;
  rtspTransport?: 'tcp' | 'udp';
  /** Extra ffmpeg input options before `-i` (e.g. `['-f', 'v4l2']` for a USB camera). */
  inputArgs?: string[];
  /** Default `ffmpeg` on PATH. */
  ffmpegPath?: string;
  logger?: Logger;
}

/** A run that has delivered frames this long resets the backoff to its shortest delay. */
const STABLE_RUN_MS = 5_000;

export class FfmpegSource implements FrameSource {
  readonly kind = 'ffmpeg';
  readonly done: Promise<void>;
  readonly live: boolean;
  private resolveDone!: () => void;
  private readonly logger: Logger;
  private readonly name: string;
  /** Files: set at the first frame, when ffmpeg has printed the input's duration and creation time. */
  private clock: FileClock | LiveClock | undefined;
  private finished = false;
  private runHasFrames = false;
  /** Runs the watchdog stopped, with the silence (ms) it allowed them. */
  private readonly stalled = new WeakMap<FfmpegRun, number>();
  private run: FfmpegRun | undefined;
  private onFrame: ((frame: Frame) => void | Promise<void>) | undefined;
  private readonly waiting: RawFrame[] = [];
  private busy = false;
  private stopping = false;
  private index = 0;
  private restarts = 0;
  private failures = 0;
  private lastError: string | undefined;
  private lastFrameAt = 0;
  private stableTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private firstFrame: { resolve: () => void; reject: (err: Error) => void } | undefined;

  constructor(private readonly options: FfmpegSourceOptions) {
    this.live = options.live ?? /^[a-z][a-z0-9+.-]*:\/\//i.test(options.input);
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.name = this.live ? redactUrlsIn(options.input) : options.input.replace(/^file:/, '');
    if (this.live) this.clock = new LiveClock(options.maxClockLagMs ?? 1_000);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  private get startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? 15_000;
  }

  /** The pid of the current ffmpeg process, if one is running (tests check it is gone after stop()). */
  get pid(): number | undefined {
    return this.run?.running ? this.run.pid : undefined;
  }

  stats(): FrameSourceStats {
    return { framesRead: this.index, restarts: this.restarts, lastError: this.lastError };
  }

  async start(onFrame: (frame: Frame) => void | Promise<void>): Promise<void> {
    if (this.onFrame) throw new Error('frame source already started');
    this.onFrame = onFrame;
    const first = new Promise<void>((resolve, reject) => (this.firstFrame = { resolve, reject }));
    const startedAt = Date.now();
    this.spawnRun();
    const timeoutMs = this.startTimeoutMs;
    const timer = this.live ? setTimeout(() => this.rejectStart(this.startError(`no frame within ${timeoutMs} ms`)), timeoutMs) : undefined;
    try {
      await first;
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (this.live && !this.stopping) this.watchdog = setInterval(() => this.checkWatchdog(), 250);
    this.logger.info({ source: this.name, live: this.live, startMs: Date.now() - startedAt }, 'frame source started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.rejectStart(
      new SeamError('SEAM_ERR_SOURCE_UNAVAILABLE', `source ${this.name}: stopped before its first frame`, { field: 'source' }),
    );
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    this.waiting.length = 0;
    await this.run?.kill();
    this.resolveDone();
  }

  private spawnRun(): void {
    const o = this.options;
    const run = new FfmpegRun({
      ffmpegPath: o.ffmpegPath ?? 'ffmpeg',
      args: ffmpegArgs({ ...o, live: this.live }),
      // Every frame at its decoded size (-autoscale 0), also after the stream changes resolution.
      outputSize: (info) => ({ width: info.width, height: info.height }),
      onFrame: (raw) => this.receive(run, raw),
    });
    this.run = run;
    this.lastFrameAt = Date.now();
    this.runHasFrames = false;
    if (this.clock instanceof LiveClock) this.clock.reset();
    void run.ended.then((end) => this.onRunEnd(run, end));
  }

  private receive(run: FfmpegRun, raw: RawFrame): void {
    if (this.stopping || run !== this.run) return;
    this.lastFrameAt = Date.now();
    this.runHasFrames = true;
    if (this.clock === undefined) {
      // Known only once ffmpeg has printed the input header, which precedes the first frame.
      const duration = (run.log.durationSeconds ?? 0) * 1000;
      this.clock = new FileClock(this.options.startAt ?? run.log.creationTime ?? Date.now() - duration);
    }
    if (this.stableTimer === undefined && this.failures > 0) {
      this.stableTimer = setTimeout(() => {
        this.failures = 0;
        this.stableTimer = undefined;
      }, STABLE_RUN_MS);
    }
    this.waiting.push(raw);
    // start() has succeeded before the first onFrame runs, so a consumer may stop() from inside it.
    if (this.firstFrame) {
      this.firstFrame.resolve();
      this.firstFrame = undefined;
    }
    this.drain();
  }

  /** Hands waiting frames to the consumer one at a time; stdout is paused while it is busy. */
  private drain(): void {
    while (!this.busy && this.waiting.length > 0 && !this.stopping) {
      const raw = this.waiting.shift()!;
      const result = this.onFrame!(this.toFrame(raw));
      if (result && typeof (result as Promise<void>).then === 'function') {
        this.busy = true;
        this.run?.pause();
        (result as Promise<void>).then(
          () => this.settled(),
          (err) => {
            this.logger.error({ source: this.name, err }, 'frame consumer failed; frame source goes on');
            this.settled();
          },
        );
      }
    }
    if (this.finished && !this.busy && this.waiting.length === 0) this.resolveDone();
  }

  private settled(): void {
    this.busy = false;
    // A paused pipe is not a stalled stream: the watchdog measures from here.
    this.lastFrameAt = Date.now();
    this.run?.resume();
    this.drain();
  }

  private toFrame(raw: RawFrame): Frame {
    const { info } = raw;
    const frame: Frame = {
      index: this.index++,
      capturedAt: this.clock!.stamp(info.ptsSeconds, raw.readAt),
      // The decoded size, frame by frame: boxes are reported in these pixels.
      width: raw.pixelsWidth,
      height: raw.pixelsHeight,
      pixels: raw.pixels,
      pixelsWidth: raw.pixelsWidth,
      pixelsHeight: raw.pixelsHeight,
    };
    if (this.options.layout === 'chw') frame.layout = 'chw';
    return frame;
  }

  private checkWatchdog(): void {
    const run = this.run;
    // A run that has not delivered its first frame yet is still connecting and probing (a second or two
    // for most streams): it gets the start timeout, or a short N would kill every reconnect before it begins.
    const limitMs = Math.max((this.options.watchdogSeconds ?? 10) * 1000, this.runHasFrames ? 0 : this.startTimeoutMs);
    if (this.stopping || this.busy || !run?.running || this.stalled.has(run) || Date.now() - this.lastFrameAt <= limitMs) return;
    this.stalled.set(run, limitMs);
    this.logger.warn(
      { source: this.name, silentMs: Date.now() - this.lastFrameAt, watchdogSeconds: limitMs / 1000 },
      'frame source stalled: watchdog stops ffmpeg',
    );
    void run.kill(500);
  }

  private onRunEnd(run: FfmpegRun, end: RunEnd): void {
    if (run !== this.run || this.stopping) return;
    const allowedMs = this.stalled.get(run);
    const stalled = allowedMs !== undefined;
    const reason = stalled ? `no frame for ${allowedMs / 1000} s (watchdog)` : `ffmpeg exited with ${end.code ?? end.signal}`;
    if (end.spawnError) {
      const why =
        end.spawnError.code === 'ENOENT' ? 'not found (install the Debian package ffmpeg, or set its path)' : end.spawnError.message;
      const err = new SeamError('SEAM_ERR_CONFIG', `ffmpeg ${this.options.ffmpegPath ?? 'ffmpeg'}: ${why}`, {
        field: 'ffmpeg',
        cause: end.spawnError,
      });
      this.lastError = err.message;
      if (this.firstFrame) return this.rejectStart(err);
    } else if (this.live || end.code !== 0 || this.firstFrame) {
      this.lastError = end.lastLine ?? reason;
    }
    if (this.firstFrame) {
      // Never produced a frame: the input is wrong or absent, not flaky. Say so instead of retrying forever.
      return this.rejectStart(this.startError(end.lastLine ?? `${reason} before the first frame`));
    }
    if (!this.live) {
      if (end.code !== 0)
        this.logger.warn(
          { source: this.name, code: end.code, lastError: end.lastLine, frames: this.index },
          'ffmpeg ended the file with an error',
        );
      clearTimeout(this.stableTimer);
      this.finished = true;
      this.drain();
      return;
    }
    this.scheduleRestart(end, stalled ? 'stalled' : 'exited');
  }

  private scheduleRestart(end: RunEnd, reason: 'stalled' | 'exited'): void {
    const initial = this.options.backoff?.initialMs ?? 500;
    const delayMs = Math.min(this.options.backoff?.maxMs ?? 10_000, initial * 2 ** this.failures);
    this.failures++;
    clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
    this.restarts++;
    this.logger.warn(
      { source: this.name, restarts: this.restarts, reason, code: end.code, signal: end.signal, lastError: this.lastError, delayMs },
      'frame source restarting ffmpeg',
    );
    this.retryTimer = setTimeout(() => {
      if (!this.stopping) this.spawnRun();
    }, delayMs);
  }

  private startError(reason: string): SeamError {
    const code = this.live ? 'SEAM_ERR_SOURCE_UNAVAILABLE' : 'SEAM_ERR_SOURCE_UNREADABLE';
    return new SeamError(code, `source ${this.name}: ${reason}`, { field: 'source' });
  }

  private rejectStart(err: SeamError): void {
    const pending = this.firstFrame;
    this.firstFrame = undefined;
    pending?.reject(err);
  }
}

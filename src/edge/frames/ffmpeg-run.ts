/**
 * One ffmpeg process of a frame source: spawns it, cuts its stdout into frames, pairs the k-th frame with
 * the k-th showinfo line of its stderr (ffmpeg runs with -fps_mode passthrough, so nothing is duplicated
 * or dropped between the two), and reports how it ended. Restarting is the source's business, not this.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { killWithUs } from '../../plumbing/children.ts';
import { FfmpegLog, type FrameInfo } from './ffmpeg-log.ts';
import { frameBytes } from './ffmpeg-args.ts';
import { takePixels } from './frame-pool.ts';

export interface RawFrame {
  info: FrameInfo;
  pixels: Buffer;
  pixelsWidth: number;
  pixelsHeight: number;
  /** Wall clock when the frame's last byte was read from the pipe. */
  readAt: number;
}

export interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the binary could not be started at all (ENOENT: ffmpeg missing). */
  spawnError?: NodeJS.ErrnoException;
  /** ffmpeg's last error or warning line, redacted. */
  lastLine: string | undefined;
  /** Bytes left at the end that did not make a whole frame (a truncated last frame). */
  trailingBytes: number;
}

export interface FfmpegRunOptions {
  ffmpegPath: string;
  args: string[];
  /** Size of the pixels ffmpeg writes for a frame of this decoded size (the decoded size itself: nothing scales). */
  outputSize: (info: FrameInfo) => { width: number; height: number };
  onFrame: (frame: RawFrame) => void;
}

export class FfmpegRun {
  readonly child: ChildProcess;
  readonly log: FfmpegLog;
  /** Resolves once the process has exited and both pipes are drained; never rejects. */
  readonly ended: Promise<RunEnd>;
  private readonly infos: FrameInfo[] = [];
  private readonly chunks: Buffer[] = [];
  private queued = 0;

  constructor(private readonly options: FfmpegRunOptions) {
    this.log = new FfmpegLog((info) => {
      this.infos.push(info);
      this.assemble();
    });
    const child = spawn(options.ffmpegPath, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = killWithUs(child);
    let spawnError: NodeJS.ErrnoException | undefined;
    this.ended = new Promise<RunEnd>((resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        spawnError = err;
        // A failed spawn emits no 'close' on some Node versions when stdio never opened.
        if (child.pid === undefined) resolve(this.end(null, null, err));
      });
      child.once('close', (code, signal) => resolve(this.end(code, signal, spawnError)));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.queued += chunk.length;
      this.assemble();
    });
    child.stderr!.on('data', (chunk: Buffer) => this.log.write(chunk));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  /** Stop reading stdout: ffmpeg blocks on its next write, which is the backpressure a slow consumer wants. */
  pause(): void {
    this.child.stdout?.pause();
  }

  resume(): void {
    this.child.stdout?.resume();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async kill(graceMs = 2_000): Promise<RunEnd> {
    if (this.running) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      this.child.kill('SIGTERM');
      // A paused stdout would keep ffmpeg blocked in write() and deaf to nothing but SIGKILL; let it drain.
      this.resume();
      const end = await this.ended;
      clearTimeout(timer);
      return end;
    }
    return this.ended;
  }

  private end(code: number | null, signal: NodeJS.Signals | null, spawnError?: NodeJS.ErrnoException): RunEnd {
    this.log.end();
    this.assemble();
    return { code, signal, spawnError, lastLine: this.log.lastLine(), trailingBytes: this.queued };
  }

  /** Emits every frame whose showinfo line and bytes have both arrived, in order. */
  private assemble(): void {
    while (this.infos.length > 0) {
      const { width, height } = this.options.outputSize(this.infos[0]);
      const need = frameBytes(width, height);
      if (this.queued < need) return;
      const info = this.infos.shift()!;
      this.options.onFrame({ info, pixels: this.take(need), pixelsWidth: width, pixelsHeight: height, readAt: Date.now() });
    }
  }

  /** The next `n` queued bytes as one Buffer of their own (the consumer may keep it). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length === n) {
      this.chunks.shift();
      this.queued -= n;
      return first;
    }
    const out = takePixels(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    this.queued -= n;
    return out;
  }
}

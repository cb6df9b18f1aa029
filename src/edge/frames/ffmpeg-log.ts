/**
 * What a frame source reads from ffmpeg's stderr (run with `-loglevel level+info`, so every line carries
 * its level): the per-frame `showinfo` line, the input's duration and creation time, and the last
 * warning or error — ffmpeg's own words for why a stream failed, which restarts are logged with.
 */
import { redactUrlsIn } from '../../plumbing/redact.ts';

export interface FrameInfo {
  /** Presentation time in seconds from the start of the stream (ffmpeg shifts the first to about 0); NaN if none. */
  ptsSeconds: number;
  /** Decoded size, before any scaling. */
  width: number;
  height: number;
}

const SHOWINFO = /^\[Parsed_showinfo_\d+ @ [^\]]+\] \[info\] n:\s*\d+ pts:\s*\S+\s+pts_time:(\S+)\s.*?\ss:(\d+)x(\d+)\s/;
const LEVEL = /\[(panic|fatal|error|warning|info|verbose|debug|trace)\] /;
const DURATION = /^\[info\]\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/;
const CREATION = /^\[info\]\s+creation_time\s*: (\S+)/;

export function parseShowinfo(line: string): FrameInfo | undefined {
  const m = SHOWINFO.exec(line);
  if (!m) return undefined;
  const pts = Number(m[1]);
  return { ptsSeconds: Number.isFinite(pts) ? pts : NaN, width: Number(m[2]), height: Number(m[3]) };
}

/** Splits stderr into lines and keeps what the source needs; everything kept is redacted. */
export class FfmpegLog {
  private partial = '';
  private lastError: string | undefined;
  private lastWarning: string | undefined;
  /** Input duration in seconds, when the container states one (not for live streams). */
  durationSeconds: number | undefined;
  /** The input's creation_time metadata as epoch ms, when it has one. */
  creationTime: number | undefined;

  constructor(private readonly onFrameInfo: (info: FrameInfo) => void) {}

  write(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    // A runaway line without a newline must not grow memory.
    if (this.partial.length > 16_384) this.partial = this.partial.slice(-16_384);
    for (const line of lines) this.line(line.replace(/\r$/, ''));
  }

  /** Call when stderr ends: a last line without a newline still counts. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  /** The last error line, else the last warning, without the level tag and with credentials redacted. */
  lastLine(): string | undefined {
    return this.lastError ?? this.lastWarning;
  }

  private line(line: string): void {
    const info = parseShowinfo(line);
    if (info) return this.onFrameInfo(info);
    const level = LEVEL.exec(line)?.[1];
    if (level === 'error' || level === 'fatal' || level === 'panic') this.lastError = clean(line);
    else if (level === 'warning') this.lastWarning = clean(line);
    else if (level === 'info') this.header(line);
  }

  private header(line: string): void {
    const d = DURATION.exec(line);
    if (d && this.durationSeconds === undefined) this.durationSeconds = Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]);
    const c = CREATION.exec(line);
    if (c && this.creationTime === undefined) {
      const t = Date.parse(c[1]);
      if (Number.isFinite(t)) this.creationTime = t;
    }
  }
}

function clean(line: string): string {
  return redactUrlsIn(line.replace(LEVEL, '').trim()).slice(0, 500);
}

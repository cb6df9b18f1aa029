import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { isSeamError } from '../../contract/index.ts';
import type { Bridge } from '../bridge/bridge.ts';
import { acceptRecord, type RecordImages } from './record-evidence.ts';
import { recordWithImageBytes } from './record-image.ts';

export interface StdinInputOptions {
  /** NDJSON records, one EdgeDetectionInput per line (default process.stdin). */
  input?: Readable;
  /** One answer line per accepted record, written once it is durable (default process.stdout). */
  output?: Writable;
  /**
   * One line per refused record: code, field and reason (default: `output`). With both on stdout, a producer
   * reads every answer from one stream, and stderr carries nothing but the bridge's log.
   */
  errors?: Writable;
  /** Records being made durable at once before reading pauses (default 4,096): bounds memory. */
  maxPending?: number;
  /** Characters of those records before reading pauses (default 64 Mi): records with images are megabytes each. */
  maxPendingBytes?: number;
  /** Longest line accepted, in bytes (default 1 MiB, or room for an image at its cap with `images`); longer lines are refused, not parsed. */
  maxLineBytes?: number;
  /** Evidence from the records' `image` fields; absent: an image is stripped and answered `evidence: 'off'`. */
  images?: RecordImages;
}

export interface StdinInputResult {
  lines: number;
  accepted: number;
  refused: number;
}

function write(stream: Writable, value: object): void {
  stream.write(JSON.stringify(value) + '\n');
}

/**
 * Feeds newline-delimited JSON into the bridge, for an inference process that pipes into it
 * (`python detect.py | seamline edge --stdin`). Each accepted line is answered on `output` with
 * `{"line":n,"event_id":...,"seq":...}` once durable (with `evidence`, and `error`, `field`, `reason` when its
 * image is refused, for a record that carries an `image`: see http.ts); each refused line on `errors` (the same stream unless
 * told otherwise) with `{"line":n,"error":code,"field":...,"reason":...}`. Blank lines are skipped. Resolves when the input
 * ends and every record has been answered.
 */
export async function runStdinInput(bridge: Bridge, options: StdinInputOptions = {}): Promise<StdinInputResult> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const errors = options.errors ?? output;
  const maxPending = options.maxPending ?? 4096;
  const images = options.images;
  const maxLineBytes = options.maxLineBytes ?? Math.max(1024 * 1024, images ? recordWithImageBytes(images.maxImageBytes) : 0);
  const result: StdinInputResult = { lines: 0, accepted: 0, refused: 0 };
  const pending = new Set<Promise<void>>();
  const rl = createInterface({ input, crlfDelay: Infinity });
  let paused = false;

  const refuse = (line: number, code: string, field: string | undefined, reason: string) => {
    result.refused++;
    write(errors, { line, error: code, field, reason });
  };

  const handle = async (line: number, text: string) => {
    if (Buffer.byteLength(text) > maxLineBytes)
      return refuse(line, 'SEAM_ERR_INVALID_INPUT', '(root)', `line is longer than ${maxLineBytes} bytes`);
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      return refuse(line, 'SEAM_ERR_INVALID_INPUT', '(root)', `is not valid JSON: ${(err as Error).message}`);
    }
    try {
      const answer = await acceptRecord(bridge, record, images);
      result.accepted++;
      write(output, { line, ...answer });
    } catch (err) {
      if (!isSeamError(err)) throw err;
      refuse(line, err.code, err.field, err.message);
    }
  };

  // Lines carrying images are megabytes each: pending lines are bounded in bytes too.
  const maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
  let pendingBytes = 0;
  for await (const text of rl) {
    const line = ++result.lines;
    if (text.trim() === '') continue;
    pendingBytes += text.length;
    const p: Promise<void> = handle(line, text).finally(() => {
      pending.delete(p);
      pendingBytes -= text.length;
      if (paused && pending.size < maxPending / 2 && pendingBytes < maxPendingBytes / 2) {
        paused = false;
        rl.resume();
      }
    });
    pending.add(p);
    // Backpressure: a producer faster than the disk waits in its own pipe buffer, not in our memory.
    if ((pending.size >= maxPending || pendingBytes >= maxPendingBytes) && !paused) {
      paused = true;
      rl.pause();
    }
  }
  await Promise.all([...pending]);
  return result;
}

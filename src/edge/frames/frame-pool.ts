/**
 * Pixel buffers for frames, recycled. A camera at 30 fps allocating a fresh 1280x720 RGB buffer a frame
 * asks V8 for 83 MB/s of memory outside its heap; V8 answers external memory growth with full
 * (mark-compact) collections of the main thread's heap, measured at 5-40 ms each several times a second
 * while the bridge was running (docs/inference.md, "Measured"). Buffers that come back — from the detector
 * worker, which transfers each frame's buffer back with its result, and from frames the camera pipeline
 * dropped — are handed out again, so a steady camera allocates nothing.
 *
 * Only whole ArrayBuffers of exactly the size asked for are kept (so a transfer never takes a neighbour's
 * bytes with it), at most `PER_SIZE` of each size.
 */
const PER_SIZE = 4;
const free = new Map<number, ArrayBuffer[]>();
const counts = { allocated: 0, reused: 0, recycled: 0, returned: 0 };
/** Buffers handed out and not yet given back, and the most there were at once since `resetPixelPeak`. */
let out = 0;
let peak = 0;

/** A buffer of `bytes` bytes that owns its whole ArrayBuffer (transferable), recycled when one is free. Contents are undefined. */
export function takePixels(bytes: number): Buffer {
  const ab = free.get(bytes)?.pop();
  peak = Math.max(peak, ++out);
  if (ab) {
    counts.reused++;
    return Buffer.from(ab, 0, bytes);
  }
  counts.allocated++;
  return Buffer.allocUnsafeSlow(bytes);
}

/** Gives a frame's pixel memory back for reuse; the caller must hold no other reference to it. */
export function recyclePixels(pixels: ArrayBuffer | Buffer): void {
  const ab = pixels instanceof ArrayBuffer ? pixels : ownedBuffer(pixels);
  if (!ab || ab.byteLength === 0) return;
  counts.returned++;
  out--;
  let list = free.get(ab.byteLength);
  if (!list) free.set(ab.byteLength, (list = []));
  if (list.length < PER_SIZE && !list.includes(ab)) {
    list.push(ab);
    counts.recycled++;
  }
}

/** The Buffer's ArrayBuffer when the Buffer spans all of it (else it shares memory and is not recycled). */
function ownedBuffer(px: Buffer): ArrayBuffer | undefined {
  const ab = px.buffer;
  return ab instanceof ArrayBuffer && px.byteOffset === 0 && px.byteLength === ab.byteLength ? ab : undefined;
}

export interface PixelPoolStats {
  /** Fresh buffers, and pooled buffers handed out again. */
  allocated: number;
  reused: number;
  /** Buffers given back: all of them (`returned`), and those the pool kept (`recycled`; the rest were over its bound). */
  returned: number;
  recycled: number;
  /** Waiting in the pool now. */
  free: number;
  /** Handed out and not given back now, and the most at once since `resetPixelPeak()`. */
  outstanding: number;
  peak: number;
}

/** Counts since the process started (tests, bench). */
export function pixelPoolStats(): PixelPoolStats {
  let n = 0;
  for (const list of free.values()) n += list.length;
  return { ...counts, free: n, outstanding: out, peak };
}

/** Starts a new peak from the buffers out now. */
export function resetPixelPeak(): void {
  peak = out;
}

import { CONVEYOR_CLASSES, sceneAt, type SceneGeometry } from './conveyor-scene.ts';
import type { Frame, FrameSource, FrameSourceStats } from './frame-source.ts';
import { takePixels } from './frame-pool.ts';

export interface SyntheticSourceOptions {
  /** Frame size (default 1280 x 720). */
  width?: number;
  height?: number;
  /** Frames per second, paced like a camera; 0 (default) delivers as fast as the consumer takes them. */
  fps?: number;
  /** Stop after this many frames (then `done` resolves); endless when undefined. */
  frames?: number;
  /** Same seed, same scene (default 1). */
  seed?: number;
  /** Belt speed in pixels per frame at 1280 wide (default 8). */
  speed?: number;
}

const BACKGROUND = [40, 44, 48];
const BELT = [92, 92, 96];
const SLAT = [74, 74, 78];
const RAIL = [150, 150, 150];
const SLAT_PITCH = 64;

function pattern(rgb: readonly number[]): Buffer {
  return Buffer.from(rgb);
}

/**
 * The synthetic conveyor as a frame source (docs/inference.md): each frame is rendered into an RGB24
 * buffer from the frame pool (frame-pool.ts) with the ground truth of what it shows (`frame.truth`). Used by `npm start`, the tests and the
 * bench; about 1 ms a frame at 1280 x 720.
 */
export class SyntheticSource implements FrameSource {
  readonly kind = 'synthetic';
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly g: SceneGeometry;
  private readonly fps: number;
  private readonly limit: number;
  private index = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly belt: Buffer;
  private readonly colours = CONVEYOR_CLASSES.map((c) => pattern(c.rgb));

  constructor(options: SyntheticSourceOptions = {}) {
    const width = options.width ?? 1280;
    const height = options.height ?? 720;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 64 || height < 64 || width > 7680 || height > 4320) {
      throw new RangeError(`synthetic frame size ${width}x${height} must be whole numbers between 64x64 and 7680x4320`);
    }
    this.g = { width, height, speed: options.speed ?? 8, seed: options.seed ?? 1 };
    this.fps = options.fps ?? 0;
    this.limit = options.frames ?? Infinity;
    this.done = new Promise((r) => (this.resolveDone = r));
    // One belt row with slats, twice as long as the frame plus a pitch, so any phase is one copy.
    const row = Buffer.alloc((width + SLAT_PITCH) * 3);
    row.fill(pattern(BELT));
    for (let x = 0; x < width + SLAT_PITCH; x += SLAT_PITCH) row.fill(pattern(SLAT), x * 3, Math.min(row.length, (x + 6) * 3));
    this.belt = row;
  }

  /** Renders frame `index` (deterministic); exposed for the bench and the tests. */
  render(index: number, capturedAt = Date.now()): Frame {
    const { width: W, height: H } = this.g;
    const scene = sceneAt(this.g, index);
    // Every byte is drawn below, so a recycled buffer needs no clearing.
    const px = takePixels(W * H * 3);
    const stride = W * 3;
    px.fill(pattern(BACKGROUND), 0, scene.beltTop * stride);
    const phase = (SLAT_PITCH - (Math.round(scene.travelled) % SLAT_PITCH)) % SLAT_PITCH;
    for (let y = scene.beltTop; y < scene.beltTop + scene.beltHeight && y < H; y++)
      this.belt.copy(px, y * stride, phase * 3, phase * 3 + stride);
    px.fill(pattern(BACKGROUND), Math.min(H, scene.beltTop + scene.beltHeight) * stride);
    for (const y of [scene.beltTop - 4, scene.beltTop + scene.beltHeight]) {
      if (y >= 0 && y + 4 <= H) px.fill(pattern(RAIL), y * stride, (y + 4) * stride);
    }
    for (const o of scene.objects) {
      const x1 = Math.max(0, o.x);
      const x2 = Math.min(W, o.x + o.w);
      const y1 = Math.max(0, o.y);
      const y2 = Math.min(H, o.y + o.h);
      if (x2 <= x1 || y2 <= y1) continue;
      const colour = o.shade === 1 ? this.colours[o.classId] : pattern(CONVEYOR_CLASSES[o.classId].rgb.map((c) => Math.round(c * o.shade)));
      for (let y = y1; y < y2; y++) px.fill(colour, (y * W + x1) * 3, (y * W + x2) * 3);
    }
    return { index, capturedAt, width: W, height: H, pixels: px, pixelsWidth: W, pixelsHeight: H, truth: scene.truth };
  }

  async start(onFrame: (frame: Frame) => void | Promise<void>): Promise<void> {
    if (this.running) throw new Error('synthetic source already started');
    this.running = true;
    const started = Date.now();
    const next = async (): Promise<void> => {
      while (this.running && this.index < this.limit) {
        if (this.fps > 0) {
          // Paced against the start time, so timer lateness does not accumulate into drift.
          const due = started + (this.index * 1000) / this.fps;
          const wait = due - Date.now();
          if (wait > 0) {
            await new Promise<void>((r) => {
              this.wake = r;
              this.timer = setTimeout(r, wait);
            });
          }
          if (!this.running) break;
        }
        const frame = this.render(this.index++);
        await onFrame(frame);
        // Unpaced, still let I/O run between frames.
        if (this.fps <= 0) await new Promise<void>((r) => setImmediate(r));
      }
      if (this.index >= this.limit) this.resolveDone();
    };
    this.loop = next();
  }

  stats(): FrameSourceStats {
    return { framesRead: this.index, restarts: 0 };
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }
}

import { recyclePixels } from '../frames/frame-pool.ts';
import type { Frame } from '../frames/frame-source.ts';
import type { DetectCallOptions, DetectionResult, Detector, DetectorModel, DetectorStats } from './detector.ts';

/** One camera's share of the detector, as `SharedDetector.stats()` reports it. */
export interface CameraShareStats {
  /** Frames of this camera through the model. */
  runs: number;
  /** Requests that found the detector busy and waited for their turn. */
  waits: number;
  /** Milliseconds this camera's requests spent waiting for their turn, all together. */
  waitMs: number;
  /** Model runs of this camera that failed. */
  errors: number;
}

export interface SharedDetectorStats extends DetectorStats {
  cameras: Record<string, CameraShareStats>;
}

interface Request {
  frame: Frame;
  options: DetectCallOptions;
  queuedAt: number;
  waited: boolean;
  resolve: (r: DetectionResult) => void;
  reject: (e: Error) => void;
}

interface Share {
  name: string;
  queue: Request[];
  stats: CameraShareStats;
  closed: boolean;
  /** The run of this camera in the model now, if any (its handle's close waits for it). */
  running: Promise<unknown> | undefined;
}

/**
 * One loaded detector shared by several cameras, each through its own `Detector` handle (`forCamera`), so a
 * camera pipeline uses it unchanged. The model runs one frame at a time; the cameras take turns round-robin:
 * a camera with a request waiting is in the ring once, and after its turn it goes to the back, so it does not
 * run again before every other waiting camera had one. A camera's pipeline holds at most `maxWaiting` frames
 * and drops its own oldest (counted in `frames_skipped`): a fast camera loses its own frames, never another
 * camera's turn. Closing a handle leaves the model loaded; `close()` of the SharedDetector closes it.
 */
export class SharedDetector {
  private readonly shares = new Map<string, Share>();
  /** Cameras with a request waiting, in the order of their next turn; each at most once. */
  private readonly ring: Share[] = [];
  private busy = false;
  private closed = false;

  constructor(private readonly inner: Detector) {}

  get model(): DetectorModel {
    return this.inner.model;
  }

  /** The detector as one camera sees it; one handle per camera name. */
  forCamera(name: string): Detector {
    if (this.closed) throw new Error('shared detector is closed');
    if (this.shares.has(name)) throw new Error(`camera "${name}" already has a handle on the shared detector`);
    const share: Share = { name, queue: [], stats: { runs: 0, waits: 0, waitMs: 0, errors: 0 }, closed: false, running: undefined };
    this.shares.set(name, share);
    return {
      model: this.inner.model,
      detect: (frame, options = {}) => this.enqueue(share, frame, options),
      stats: () => ({ ...this.inner.stats(), runs: share.stats.runs }),
      close: () => this.closeShare(share),
    };
  }

  private enqueue(share: Share, frame: Frame, options: DetectCallOptions): Promise<DetectionResult> {
    if (share.closed || this.closed) {
      recyclePixels(frame.pixels);
      return Promise.reject(new Error(`detector handle of camera "${share.name}" is closed`));
    }
    return new Promise((resolve, reject) => {
      const waited = this.busy || this.ring.length > 0;
      share.queue.push({ frame, options, queuedAt: performance.now(), waited, resolve, reject });
      if (share.queue.length === 1) this.ring.push(share);
      this.next();
    });
  }

  /** Runs the next turn if the model is free: the camera at the front of the ring, which then goes to the back. */
  private next(): void {
    if (this.busy || this.ring.length === 0) return;
    const share = this.ring.shift()!;
    const req = share.queue.shift()!;
    if (share.queue.length > 0) this.ring.push(share);
    this.busy = true;
    share.stats.waitMs += performance.now() - req.queuedAt;
    if (req.waited) share.stats.waits++;
    // The next turn is handed out before this camera hears its answer, so its next request queues behind the others.
    const finish = () => {
      share.running = undefined;
      this.busy = false;
      this.next();
    };
    share.running = this.inner.detect(req.frame, req.options).then(
      (result) => {
        share.stats.runs++;
        finish();
        req.resolve(result);
      },
      (err: Error) => {
        share.stats.errors++;
        finish();
        req.reject(err);
      },
    );
  }

  /** Refuses the camera's waiting requests (their pixels recycled) and waits for its run in the model, if any. */
  private async closeShare(share: Share): Promise<void> {
    share.closed = true;
    const i = this.ring.indexOf(share);
    if (i >= 0) this.ring.splice(i, 1);
    for (const req of share.queue.splice(0)) {
      recyclePixels(req.frame.pixels);
      req.reject(new Error(`detector handle of camera "${share.name}" is closed`));
    }
    await share.running;
  }

  stats(): SharedDetectorStats {
    const cameras: Record<string, CameraShareStats> = {};
    for (const [name, share] of this.shares) cameras[name] = { ...share.stats, waitMs: Math.round(share.stats.waitMs) };
    return { ...this.inner.stats(), cameras };
  }

  /** Closes every camera's handle, then the model. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.shares.values()].map((s) => this.closeShare(s)));
    await this.inner.close();
  }
}

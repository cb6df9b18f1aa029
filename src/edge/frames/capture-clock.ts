/**
 * `captured_at` from a frame's presentation time (docs/inference.md, "Timestamps"). Both clocks return
 * epoch milliseconds, floored, and never later than `readAt`, the moment the frame's last byte was read.
 */

/** Files: a fixed anchor (the moment the recording began) plus the frame's presentation time. */
export class FileClock {
  constructor(readonly anchorMs: number) {}

  stamp(ptsSeconds: number, readAt: number): number {
    if (!Number.isFinite(ptsSeconds)) return readAt;
    // The clamp only bites when the anchor is wrong (a creation_time in the future, a caller's startAt).
    return Math.min(Math.floor(this.anchorMs + ptsSeconds * 1000), readAt);
  }
}

/**
 * Live streams: the stream's own time, anchored to our wall clock at the frame that reached us with the
 * least delay so far. Frame-to-frame steps are the stream's own (no network or decode jitter), and the
 * stamp stays within [readAt - maxLagMs, readAt]:
 * - a frame read sooner after its presentation time than the anchor allows moves the anchor down, so no
 *   stamp is later than its read;
 * - a frame that would be stamped more than maxLagMs before it was read moves the anchor up: the camera's
 *   clock drifted from ours, its timestamps jumped (a restart, a wrap), or the stream was stalled.
 */
export class LiveClock {
  private anchorMs: number | undefined;
  /** Times the anchor was moved up (drift or a jump); moves down are ordinary convergence. */
  reanchors = 0;

  constructor(readonly maxLagMs: number) {}

  stamp(ptsSeconds: number, readAt: number): number {
    if (!Number.isFinite(ptsSeconds)) return readAt;
    const offset = readAt - ptsSeconds * 1000;
    if (this.anchorMs === undefined || offset < this.anchorMs) {
      this.anchorMs = offset;
    } else if (offset - this.anchorMs > this.maxLagMs) {
      this.anchorMs = offset;
      this.reanchors++;
    }
    return Math.min(Math.floor(this.anchorMs + ptsSeconds * 1000), readAt);
  }

  /** A new ffmpeg run starts its timestamps again: anchor afresh on its first frame. */
  reset(): void {
    this.anchorMs = undefined;
  }
}

import { SeamError } from '../../contract/index.ts';

/** A `maxBytesPerSecond` as given: 0 means no limit; anything but a number >= 0 is SEAM_ERR_CONFIG. */
export function checkBytesPerSecond(value: number | undefined): number {
  const bytesPerSecond = value ?? 0;
  if (!(Number.isFinite(bytesPerSecond) && bytesPerSecond >= 0)) {
    throw new SeamError('SEAM_ERR_CONFIG', `maxBytesPerSecond must be a number >= 0, got ${bytesPerSecond}`, {
      field: 'maxBytesPerSecond',
    });
  }
  return bytesPerSecond;
}

/**
 * A byte budget for the image link: `bytesPerSecond` accrue, at most `burst` saved up. An image is sent when the
 * budget is not in debt, and its whole size is taken then (so one image larger than the burst still goes, and
 * the next one waits until the debt is paid). Bounds what the images take of a slow uplink and of the edge
 * process's time, whatever the capture policy offers.
 */
export class ByteRate {
  private budget: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.budget = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.budget = Math.min(this.burst, this.budget + ((t - this.last) / 1000) * this.bytesPerSecond);
    this.last = t;
  }

  /** Milliseconds until an image may be sent (0: now). */
  waitMs(): number {
    this.refill();
    return this.budget >= 0 ? 0 : Math.ceil((-this.budget / this.bytesPerSecond) * 1000);
  }

  spend(bytes: number): void {
    this.refill();
    this.budget -= bytes;
  }
}

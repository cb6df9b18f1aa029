/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. Both ends of a repair use it
 * (the repairer before it asks, the bridge before it answers), so that neither side can turn a fault that
 * hits many cameras at once into a storm; the edge's image publisher counts bytes in it (`spend`), so one
 * image larger than the burst still goes and the next waits until the debt is paid.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
  }

  /** Takes a token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes `amount` tokens whether or not they are there: the bucket may go into debt. */
  spend(amount: number): void {
    this.refill();
    this.tokens -= amount;
  }

  /** Milliseconds until at least `need` tokens are there (0 if they are); `need` 0 waits out a debt. */
  waitMs(need = 1): number {
    this.refill();
    return this.tokens >= need ? 0 : Math.ceil(((need - this.tokens) / this.ratePerSecond) * 1000);
  }
}

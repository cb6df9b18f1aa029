/**
 * Callers waiting for a publisher to go idle (its store empty, nothing in flight): `wait` resolves true on the
 * next `notify`, false after its timeout. The owner says when it is idle; this only keeps the waiters.
 */
export class IdleWaiters {
  private waiters: (() => void)[] = [];

  /** Wakes every caller waiting now. */
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves true on the next `notify`, false after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      new Promise<boolean>((resolve) => this.waiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return idle;
  }
}

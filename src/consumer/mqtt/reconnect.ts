/** The timers a session owns; clearing them all is how a stopped session stops reconnecting. */
export class SessionTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** Exponential backoff from `minMs`, capped at `maxMs`, for the given attempt (0 for the first). */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  // Jitter spreads a fleet of consumers so a restarted broker is not hit by all of them at once.
  return Math.round(base / 2 + (Math.random() * base) / 2);
}

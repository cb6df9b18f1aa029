/** Thrown out of a retry loop by stop(): the caller leaves its message unacknowledged. */
export class RetryStopped extends Error {
  constructor() {
    super('stopped while retrying the store');
  }
}

export interface RetrierOptions {
  /** First delay, doubled after each failure up to `maxMs`. */
  initialMs: number;
  maxMs: number;
  onFailure(err: Error, what: string): void;
}

/**
 * Runs a store call until it succeeds, with a doubling backoff, as the detection path does for a batch: the
 * broker holds the message meanwhile, so waiting costs nothing but time. `giveUp` names the failures no retry
 * can cure (a refusal); they are thrown at once. stop() ends every wait with RetryStopped.
 */
export class Retrier {
  private readonly waits = new Set<() => void>();
  stopped = false;

  constructor(private readonly options: RetrierOptions) {}

  async run<T>(what: string, call: () => Promise<T>, giveUp: (err: unknown) => boolean = () => false): Promise<T> {
    let delay = this.options.initialMs;
    for (;;) {
      if (this.stopped) throw new RetryStopped();
      try {
        return await call();
      } catch (err) {
        if (giveUp(err)) throw err;
        this.options.onFailure(err as Error, what);
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.options.maxMs);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.waits) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waits.add(wake);
    });
  }
}

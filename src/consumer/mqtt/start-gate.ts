/** The promise `start()` returns, settled once: by the first SUBACK, or by a stop before it. */
export class StartGate {
  readonly promise: Promise<void>;
  private resolvePromise!: () => void;
  private rejectPromise!: (e: Error) => void;
  private settled = false;

  constructor() {
    this.promise = new Promise<void>((res, rej) => ((this.resolvePromise = res), (this.rejectPromise = rej)));
  }

  get done(): boolean {
    return this.settled;
  }

  resolve(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolvePromise();
  }

  /** False when already settled. */
  reject(err: Error): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.rejectPromise(err);
    return true;
  }
}

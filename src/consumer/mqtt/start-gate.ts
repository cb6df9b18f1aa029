/** The promise `start()` returns, settled once: by the first SUBACK, or by a stop before it. */
export class StartGate {
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (e: Error) => void;
  #done = false;

  constructor() {
    this.promise = new Promise<void>((res, rej) => ((this.#resolve = res), (this.#reject = rej)));
  }

  get done(): boolean {
    return this.#done;
  }

  resolve(): void {
    if (this.#done) return;
    this.#done = true;
    this.#resolve();
  }

  /** False when already settled. */
  reject(err: Error): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#reject(err);
    return true;
  }
}

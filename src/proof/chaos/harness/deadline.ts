import { waitUntil } from './wait-until.ts';

/**
 * A scenario's bound in time: every wait inside it ends by the deadline, and one that ended without what it
 * waited for is recorded (`missed`), so the scenario reports a clear failure instead of hanging.
 */
export class Deadline {
  readonly at: number;
  missed: string | undefined;

  constructor(readonly ms: number) {
    this.at = Date.now() + ms;
  }

  get left(): number {
    return Math.max(0, this.at - Date.now());
  }

  get passed(): boolean {
    return Date.now() >= this.at;
  }

  /** Waits until `check` holds or the deadline passes; in that case records `what` and resolves false. */
  async wait(check: () => boolean | Promise<boolean>, what: string): Promise<boolean> {
    const ok = await waitUntil(check, this.left);
    if (!ok) this.miss(what);
    return ok;
  }

  miss(what: string): void {
    this.missed ??= `${what}, not within the scenario's ${Math.round(this.ms / 1000)} s`;
  }

  /** What a result carries: ok only if nothing was missed. */
  verdict<T extends { ok: boolean }>(r: T): T & { deadline_missed?: string } {
    return this.missed ? { ...r, ok: false, deadline_missed: this.missed } : r;
  }
}

/** Time for `events` at no less than `floorPerSecond`, plus `fixedMs` for starts, faults and settling. */
export const sizedDeadlineMs = (events: number, floorPerSecond: number, fixedMs: number) =>
  Math.round((events / floorPerSecond) * 1000 + fixedMs);

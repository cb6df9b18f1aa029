import type { Clock } from '../../src/alerting/clock.ts';

/** A clock the test moves by hand: the engine sees time pass only when the test says so. */
export class FakeClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }
}

/** The engine's only source of time, so tests run it on a fake clock (test/alerting/fake-clock.ts). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

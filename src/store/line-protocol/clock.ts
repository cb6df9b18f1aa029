/**
 * The line-protocol stores' clock figures: one `camera_clock` point per camera per consumer sample, at the
 * sample's time (not captured_at, so a camera whose clock says 1970 still shows in the last five minutes).
 * Readers take the smallest `min_lag_ms` of the last five minutes as the camera's clock offset
 * (clock-offsets.ts).
 */
import type { IdentityRule, Point } from './encode.ts';
import type { CameraClock } from '../store.ts';

export const CLOCK_MEASUREMENT = 'camera_clock';

export function clockPoint(c: CameraClock, atMs: number, rule: IdentityRule): Point {
  return {
    measurement: CLOCK_MEASUREMENT,
    tags: { region: c.region, site: c.site, camera: c.camera },
    fields: { min_lag_ms: { int: c.minLagMs }, max_lag_ms: { int: c.maxLagMs }, events: { int: c.events } },
    time: rule.precision === 'ns' ? BigInt(atMs) * 1_000_000n : BigInt(atMs),
  };
}

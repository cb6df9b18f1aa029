import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import type { RuleContext, RuleKind } from './rule-kind.ts';

/** How far back a silent camera's notification looks for its last images, at least. */
const LOOK_BACK_MS = 60 * 60_000;
/** Longest the consumers are waited for after the store failed, beyond the window: cameras that stay quiet page. */
export const CATCH_UP_MAX_MS = 60_000;

const Params = Type.Object(
  {
    window: Duration('Silent means nothing counted in this trailing window, e.g. 5m.'),
    signal: Type.Optional(
      Type.Unsafe<'detections' | 'events'>({
        type: 'string',
        enum: ['detections', 'events'],
        description: 'Count detections (default: a camera seeing nothing) or events (a camera sending nothing).',
        'x-reason': 'must be detections or events',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * No detections (or no events) from a camera in the trailing window. Counted against every camera that
 * should be reporting, so a camera that stopped is a zero, not a missing series: the per-minute query
 * returns only cameras that sent something, and the rest are filled in here.
 *
 * Not judged while the pipeline catches up after the store did not answer the engine (catchingUp): the
 * consumers could not commit then either, and until they have stored a whole window beyond it every camera
 * would look silent. That outage is the pipeline's fault, paged by the lag rule, not one page per camera.
 */
export const silentCamera: RuleKind<Static<typeof Params>> = {
  kind: 'silent_camera',
  perCamera: true,
  params: Params,
  async evaluate(p, ctx) {
    const windowMs = parseDuration(p.window);
    const held = catchingUp(ctx, windowMs);
    if (held) return ctx.cameras.map((camera) => ({ camera, value: 0, holds: false, held: true, summary: held }));
    const from = ctx.nowMs - windowMs;
    const rows = await ctx.memo(`perMinute:${from}`, () => ctx.reader.perMinute(from, ctx.nowMs));
    const counts = new Map<string, number>();
    const signal = p.signal ?? 'detections';
    for (const r of rows) counts.set(cameraKey(r), (counts.get(cameraKey(r)) ?? 0) + (signal === 'events' ? r.events : r.detections));
    return ctx.cameras.map((camera) => {
      const value = counts.get(cameraKey(camera)) ?? 0;
      // What the camera last showed before it went quiet (a covered lens, a stopped belt): its newest images.
      const evidence = { fromMs: ctx.nowMs - Math.max(4 * windowMs, LOOK_BACK_MS), toMs: ctx.nowMs };
      return { camera, value, holds: value === 0, summary: `${value} ${signal} in the last ${p.window}`, evidence };
    });
  },
};

/**
 * Why the cameras are not judged now, or undefined when they are: the engine could not read the store at
 * storeFailedAtMs, and the newest event any of the rule's cameras has stored (never later than now: a camera
 * whose clock runs ahead must not end the wait) was captured less than a window after that. Once the store
 * holds a whole window beyond the failure, a camera that stored nothing in it is silent again; and after
 * CATCH_UP_MAX_MS beyond the window it is judged whatever the store holds (every camera quiet after a
 * power cut must still page).
 */
export function catchingUp(ctx: RuleContext, windowMs: number): string | undefined {
  const failed = ctx.storeFailedAtMs;
  if (failed === undefined || failed === null || ctx.nowMs >= failed + windowMs + CATCH_UP_MAX_MS) return undefined;
  let newest = Number.NEGATIVE_INFINITY;
  for (const r of ctx.rows.values()) if (r.lastEventAt !== null && r.lastEventAt > newest) newest = r.lastEventAt;
  if (Math.min(newest, ctx.nowMs) >= failed + windowMs) return undefined;
  const age = Number.isFinite(newest) ? `${Math.round((ctx.nowMs - newest) / 1000)} s old` : 'none';
  const ago = Math.round((ctx.nowMs - failed) / 1000);
  return `not judged: the store did not answer ${ago} s ago and the consumers are catching up (newest stored event ${age})`;
}

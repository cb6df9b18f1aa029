import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import type { RuleKind } from './rule-kind.ts';

/** How far back a silent camera's notification looks for its last images, at least. */
const LOOK_BACK_MS = 60 * 60_000;

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
 */
export const silentCamera: RuleKind<Static<typeof Params>> = {
  kind: 'silent_camera',
  perCamera: true,
  params: Params,
  async evaluate(p, ctx) {
    const windowMs = parseDuration(p.window);
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

import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import type { RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  {
    window: Duration('Trailing window of captured_at, e.g. 10m.'),
    settle: Type.Optional(Duration('Ignore the newest part of the window, where events may still be in flight (default 30s).')),
  },
  { additionalProperties: false },
);

/** Events missing from a camera's stored seq range (lost upstream): fires when above zero. */
export const seqGaps: RuleKind<Static<typeof Params>> = {
  kind: 'seq_gaps',
  perCamera: true,
  params: Params,
  async evaluate(p, ctx) {
    const to = ctx.nowMs - parseDuration(p.settle ?? '30s');
    const from = ctx.nowMs - parseDuration(p.window);
    const rows = await ctx.memo(`gaps:${from}:${to}`, () => ctx.reader.seqGaps(from, to));
    const missing = new Map(rows.map((r) => [cameraKey(r), r.missing]));
    return ctx.cameras.map((camera) => {
      const value = missing.get(cameraKey(camera)) ?? 0;
      return { camera, value, holds: value > 0, summary: `${value} events missing from the seq range` };
    });
  },
};

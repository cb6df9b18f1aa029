import { Type, type Static } from '@sinclair/typebox';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import type { RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  {
    window: Duration('Trailing window the percentile is taken over, e.g. 5m.'),
    thresholdMs: Type.Number({ exclusiveMinimum: 0, description: 'Fires when p99 of commit time - captured_at exceeds this.' }),
  },
  { additionalProperties: false },
);

/** End-to-end lag p99 (ingest commit - captured_at) over all cameras, one instance per rule. */
export const lagP99: RuleKind<Static<typeof Params>> = {
  kind: 'lag_p99',
  perCamera: false,
  params: Params,
  async evaluate(p, ctx) {
    const from = ctx.nowMs - parseDuration(p.window);
    const lat = await ctx.memo(`latency:${from}`, () => ctx.reader.latency(from, ctx.nowMs));
    const v = lat.lagP99Ms;
    return [
      {
        value: v ?? 0,
        holds: v !== null && v > p.thresholdMs,
        summary: v === null ? 'no events in the window' : `lag p99 ${Math.round(v)} ms`,
      },
    ];
  },
};

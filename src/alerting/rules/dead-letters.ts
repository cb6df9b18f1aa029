import { Type, type Static } from '@sinclair/typebox';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import { needed, type RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  {
    window: Duration('Trailing window, e.g. 5m.'),
    perMinute: Type.Number({ minimum: 0, description: 'Fires when dead letters per minute over the window exceed this.' }),
  },
  { additionalProperties: false },
);

/** Poison messages dead-lettered per minute over the window (store-wide: a dead letter may name no valid camera). */
export const deadLetters: RuleKind<Static<typeof Params>> = {
  kind: 'dead_letters',
  perCamera: false,
  params: Params,
  needs: ['alertCounts'],
  async evaluate(p, ctx) {
    const windowMs = parseDuration(p.window);
    const from = ctx.nowMs - windowMs;
    const n = await ctx.memo(`dead:${from}`, () => needed(ctx, 'alertCounts').deadLetterCount(from, ctx.nowMs));
    const rate = n / (windowMs / 60_000);
    return [{ value: rate, holds: rate > p.perMinute, summary: `${n} dead letters in the last ${p.window} (${rate.toFixed(2)}/min)` }];
  },
};

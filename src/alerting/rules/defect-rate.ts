import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import { needed, type RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  {
    class: Type.String({ minLength: 1, description: 'Detection class, e.g. crack.' }),
    window: Duration('Trailing window, e.g. 15m.'),
    perEvent: Type.Number({
      minimum: 0,
      description: 'Fires when detections of the class per inspected event exceed this (0.05 = 5 in 100).',
    }),
    minEvents: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Too few events say nothing: below this the rule does not fire (default 20).' }),
    ),
  },
  { additionalProperties: false },
);

/** For the quality team: detections of one class per event of the camera, over the window. */
export const defectRate: RuleKind<Static<typeof Params>> = {
  kind: 'defect_rate',
  perCamera: true,
  params: Params,
  needs: ['alertCounts'],
  async evaluate(p, ctx) {
    const from = ctx.nowMs - parseDuration(p.window);
    const [classes, minutes] = await Promise.all([
      ctx.memo(`classes:${from}`, () => needed(ctx, 'alertCounts').classesPerCamera(from, ctx.nowMs)),
      ctx.memo(`perMinute:${from}`, () => ctx.reader.perMinute(from, ctx.nowMs)),
    ]);
    const hits = new Map<string, number>();
    for (const r of classes) if (r.class === p.class) hits.set(cameraKey(r), r.detections);
    const events = new Map<string, number>();
    for (const r of minutes) events.set(cameraKey(r), (events.get(cameraKey(r)) ?? 0) + r.events);
    const min = p.minEvents ?? 20;
    return ctx.cameras.map((camera) => {
      const n = events.get(cameraKey(camera)) ?? 0;
      const rate = n === 0 ? 0 : (hits.get(cameraKey(camera)) ?? 0) / n;
      return {
        camera,
        value: rate,
        holds: n >= min && rate > p.perEvent,
        summary: `${p.class} ${(rate * 100).toFixed(1)}% of ${n} events`,
        evidence: { class: p.class, fromMs: from, toMs: ctx.nowMs },
      };
    });
  },
};

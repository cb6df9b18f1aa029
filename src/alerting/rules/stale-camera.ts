import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import type { RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  { olderThan: Duration('The newest stored event is older than this, e.g. 10m.') },
  { additionalProperties: false },
);

/** The newest stored event of a camera is older than `olderThan` (or it never sent one). Value: age in seconds. */
export const staleCamera: RuleKind<Static<typeof Params>> = {
  kind: 'stale_camera',
  perCamera: true,
  params: Params,
  async evaluate(p, ctx) {
    const limit = parseDuration(p.olderThan);
    return ctx.cameras.map((camera) => {
      const last = ctx.rows.get(cameraKey(camera))?.lastEventAt ?? null;
      const age = last === null ? Infinity : ctx.nowMs - last;
      return {
        camera,
        value: Number.isFinite(age) ? age / 1000 : -1,
        holds: age > limit,
        summary: last === null ? 'no event ever stored' : `last event ${Math.round(age / 1000)} s ago`,
      };
    });
  },
};

import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import type { RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  { maxOffset: Type.Optional(Duration("Fires when the camera's clock is further off than this, ahead or behind (default 60s).")) },
  { additionalProperties: false },
);

/** `3720000` -> `1 h 2 m`: the two largest units, what an operator reads in a page. */
export function spokenDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3_600), Math.floor((s % 3_600) / 60)];
  if (d > 0) return `${d} d ${h} h`;
  return h > 0 ? `${h} h ${m} m` : `${m} m ${s % 60} s`;
}

function summary(offsetMs: number): string {
  const arrive = `events arrive ${Math.round(Math.abs(offsetMs) / 1000).toLocaleString('en-US')} s ${offsetMs >= 0 ? 'after' : 'before'} their captured_at`;
  return `clock ${spokenDuration(offsetMs)} ${offsetMs >= 0 ? 'behind' : 'ahead'} (${arrive})`;
}

/**
 * A camera whose clock is wrong: its clock offset (CameraRow.clockOffsetMs, the smallest commit time -
 * captured_at over the last five minutes) is further from zero than `maxOffset`. Value: the offset in
 * seconds, positive when the camera's clock is behind. A camera's outbox draining a backlog raises it too
 * (docs/troubleshooting.md tells the two apart); a camera no consumer sampled then measures 0 and holds not.
 */
export const clockOffset: RuleKind<Static<typeof Params>> = {
  kind: 'clock_offset',
  perCamera: true,
  params: Params,
  async evaluate(p, ctx) {
    const limit = parseDuration(p.maxOffset ?? '60s');
    return ctx.cameras.map((camera) => {
      const offset = ctx.rows.get(cameraKey(camera))?.clockOffsetMs ?? null;
      if (offset === null) return { camera, value: 0, holds: false, summary: 'no events committed in the last 5 minutes' };
      return { camera, value: offset / 1000, holds: Math.abs(offset) > limit, summary: summary(offset) };
    });
  },
};

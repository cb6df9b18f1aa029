import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import { needed, type RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  { olderThan: Duration('Missing for longer than this and still being repaired, e.g. 10m.') },
  { additionalProperties: false },
);

/**
 * Events missing and still being repaired ("missing, repairing") for longer than `olderThan`: repair is
 * not getting them back (the bridge is offline, or busy, or the broker keeps losing them). A gap that is
 * repaired within `olderThan` never fires this. Value: seqs missing that long. Needs a repair ledger.
 */
export const seqRepairing: RuleKind<Static<typeof Params>> = {
  kind: 'seq_repairing',
  perCamera: true,
  params: Params,
  needs: ['repairLedger'],
  async evaluate(p, ctx) {
    const staleBefore = ctx.nowMs - parseDuration(p.olderThan);
    const rows = await ctx.memo(`repairing:${staleBefore}`, () => needed(ctx, 'repairLedger').summary(ctx.nowMs, ctx.nowMs, staleBefore));
    const stale = new Map((rows ?? []).map((r) => [cameraKey(r), r]));
    return ctx.cameras.map((camera) => {
      const row = stale.get(cameraKey(camera));
      const value = row?.stale ?? 0;
      return {
        camera,
        value,
        holds: value > 0,
        summary:
          value > 0
            ? `${value} events missing for over ${p.olderThan}, still being repaired (${row!.repairing} in all)`
            : 'nothing missing for long',
      };
    });
  },
};

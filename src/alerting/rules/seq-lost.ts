import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import { needed, type RuleKind } from './rule-kind.ts';

const Params = Type.Object({ window: Duration('Trailing window of when a loss was confirmed, e.g. 1h.') }, { additionalProperties: false });

/**
 * Events confirmed lost ("lost, confirmed"): the camera's bridge answered that it no longer has them
 * (evicted from its replay window, dropped by its outbox bound, its disk lost), or no bridge answered within
 * the give-up time. Value: seqs confirmed lost in the window. Needs a store with a repair ledger.
 */
export const seqLost: RuleKind<Static<typeof Params>> = {
  kind: 'seq_lost',
  perCamera: true,
  params: Params,
  needs: ['repairLedger'],
  async evaluate(p, ctx) {
    const from = ctx.nowMs - parseDuration(p.window);
    const rows = await ctx.memo(`repair:${from}:${ctx.nowMs}`, () => needed(ctx, 'repairLedger').summary(from, ctx.nowMs));
    const lost = new Map((rows ?? []).map((r) => [cameraKey(r), r.lost]));
    return ctx.cameras.map((camera) => {
      const byReason = lost.get(cameraKey(camera)) ?? {};
      const value = Object.values(byReason).reduce((a, b) => a + (b ?? 0), 0);
      const reasons = Object.entries(byReason)
        .map(([reason, n]) => `${n} ${reason}`)
        .join(', ');
      return { camera, value, holds: value > 0, summary: value > 0 ? `${value} events confirmed lost (${reasons})` : 'no confirmed loss' };
    });
  },
};

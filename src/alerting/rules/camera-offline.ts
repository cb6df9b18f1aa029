import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import type { RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  { after: Duration('Offline (last will or clean shutdown) for at least this long, e.g. 30s.') },
  { additionalProperties: false },
);

/** The camera's last status is `offline` (its bridge's last will, or a clean stop) and has been for `after`. */
export const cameraOffline: RuleKind<Static<typeof Params>> = {
  kind: 'camera_offline',
  perCamera: true,
  params: Params,
  async evaluate(p, ctx) {
    const afterMs = parseDuration(p.after);
    return ctx.cameras.map((camera) => {
      const row = ctx.rows.get(cameraKey(camera));
      const offlineFor = row?.state === 'offline' && row.statusAt !== null ? ctx.nowMs - row.statusAt : 0;
      return {
        camera,
        value: Math.max(0, offlineFor) / 1000,
        holds: row?.state === 'offline' && offlineFor >= afterMs,
        summary: row?.state === 'offline' ? `offline for ${Math.round(offlineFor / 1000)} s` : `state ${row?.state ?? 'unknown'}`,
      };
    });
  },
};

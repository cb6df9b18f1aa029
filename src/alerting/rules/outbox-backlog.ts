import { Type, type Static } from '@sinclair/typebox';
import { cameraKey } from '../../contract/index.ts';
import { Duration } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import type { RuleKind } from './rule-kind.ts';

const Params = Type.Object(
  {
    depth: Type.Optional(Type.Integer({ minimum: 0, description: 'Fires when the outbox holds more events than this.' })),
    oldestUnsent: Type.Optional(Duration('...or when its oldest unsent event is older than this.')),
  },
  { additionalProperties: false },
);

/** The edge bridge's outbox, from its last heartbeat: depth or age of the oldest unsent event over a threshold. */
export const outboxBacklog: RuleKind<Static<typeof Params>> = {
  kind: 'outbox_backlog',
  perCamera: true,
  params: Params,
  async evaluate(p, ctx) {
    const ageLimit = p.oldestUnsent === undefined ? Infinity : parseDuration(p.oldestUnsent);
    return ctx.cameras.map((camera) => {
      const row = ctx.rows.get(cameraKey(camera));
      const depth = row?.outboxDepth ?? 0;
      const age = row?.oldestUnsentMs ?? 0;
      const holds = (p.depth !== undefined && depth > p.depth) || age > ageLimit;
      return { camera, value: depth, holds, summary: `outbox ${depth} events, oldest unsent ${Math.round(age / 1000)} s` };
    });
  },
};

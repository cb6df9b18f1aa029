import { cameraOffline } from './camera-offline.ts';
import { clockOffset } from './clock-offset.ts';
import { deadLetters } from './dead-letters.ts';
import { defectRate } from './defect-rate.ts';
import { lagP99 } from './lag-p99.ts';
import { outboxBacklog } from './outbox-backlog.ts';
import type { RuleKind } from './rule-kind.ts';
import { seqGaps } from './seq-gaps.ts';
import { seqLost } from './seq-lost.ts';
import { seqRepairing } from './seq-repairing.ts';
import { silentCamera } from './silent-camera.ts';
import { staleCamera } from './stale-camera.ts';

/** Rule kinds by name; add a file in this folder and a line here to make a kind configurable. */
export const RULE_KINDS = new Map<string, RuleKind<never>>(
  [
    silentCamera,
    cameraOffline,
    staleCamera,
    lagP99,
    deadLetters,
    seqGaps,
    seqLost,
    seqRepairing,
    outboxBacklog,
    defectRate,
    clockOffset,
  ].map((k) => [k.kind, k as RuleKind<never>]),
);

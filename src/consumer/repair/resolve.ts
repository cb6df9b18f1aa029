import type { RepairOutcome } from '../../contract/index.ts';
import type { LossReason, RepairRange } from '../../store/repair-ledger.ts';
import { newRange } from '../../store/sql/repair-ledger.ts';
import type { Span } from './span.ts';

export interface AnsweredSpan {
  from: number;
  to: number;
  outcome: RepairOutcome;
}

export interface ResolveTimes {
  now: number;
  /** When a range the bridge republished is looked at again (by then the events should be stored). */
  verifyAt: number;
  /** When a range the bridge could not serve yet (pending, busy) is asked for again. */
  retryAt: number;
}

type Piece =
  | { state: 'repaired' }
  | { state: 'lost'; reason: LossReason }
  | { state: 'repairing'; nextAttemptMs: number }
  | { state: 'gone' };

const LOST: Partial<Record<RepairOutcome, LossReason>> = { evicted: 'evicted', dropped: 'dropped', outbox_reset: 'outbox_reset' };

function classify(range: RepairRange, seq: number, present: readonly Span[], answered: readonly AnsweredSpan[], t: ResolveTimes): Piece {
  if (present.some(([a, b]) => a <= seq && seq <= b)) return { state: 'repaired' };
  const answer = answered.find((r) => r.from <= seq && seq <= r.to);
  if (!answer) return { state: 'repairing', nextAttemptMs: range.nextAttemptMs };
  const reason = LOST[answer.outcome];
  if (reason) return { state: 'lost', reason };
  switch (answer.outcome) {
    case 'republished':
      return { state: 'repairing', nextAttemptMs: t.verifyAt };
    case 'never_produced':
      // Nothing to repair and nothing lost: the bridge never assigned these seqs.
      return { state: 'gone' };
    default:
      return { state: 'repairing', nextAttemptMs: t.retryAt };
  }
}

const same = (a: Piece, b: Piece) =>
  a.state === b.state &&
  (a.state !== 'lost' || a.reason === (b as { reason: LossReason }).reason) &&
  (a.state !== 'repairing' || a.nextAttemptMs === (b as { nextAttemptMs: number }).nextAttemptMs);

/**
 * What a range becomes once the store (`present`: seqs it now holds) and the bridge (`answered`) have been
 * heard: the seqs the store holds are repaired, the ones the bridge says are gone are lost with its reason,
 * the rest is still being chased, due again when `t` says. Returns the pieces, in seq order (empty when
 * nothing is left, e.g. all never produced).
 */
export function resolveRange(
  range: RepairRange,
  present: readonly Span[],
  answered: readonly AnsweredSpan[],
  t: ResolveTimes,
): RepairRange[] {
  const cuts = new Set([range.from, range.to + 1]);
  const clip = (v: number) => Math.min(range.to + 1, Math.max(range.from, v));
  for (const [a, b] of present) cuts.add(clip(a)), cuts.add(clip(b + 1));
  for (const r of answered) cuts.add(clip(r.from)), cuts.add(clip(r.to + 1));
  const points = [...cuts].sort((x, y) => x - y);
  const out: { from: number; to: number; piece: Piece }[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [from, to] = [points[i], points[i + 1] - 1];
    const piece = classify(range, from, present, answered, t);
    const last = out[out.length - 1];
    if (last && last.to === from - 1 && same(last.piece, piece)) last.to = to;
    else out.push({ from, to, piece });
  }
  return out
    .filter((p) => p.piece.state !== 'gone')
    .map(({ from, to, piece }) =>
      newRange({
        ...range,
        from,
        to,
        state: piece.state as RepairRange['state'],
        reason: piece.state === 'lost' ? piece.reason : null,
        nextAttemptMs: piece.state === 'repairing' ? piece.nextAttemptMs : range.nextAttemptMs,
        resolvedAtMs: piece.state === 'repairing' ? null : t.now,
      }),
    );
}

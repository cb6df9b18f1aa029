import type { StreamSeqs } from './stream-seqs.ts';

/**
 * Where a seq is, from the outbox's point of view:
 *
 * - `acknowledged`: stored, the broker acknowledged it; it can be republished.
 * - `unacknowledged`: stored, still waiting for its PUBACK; the publisher is sending it anyway.
 * - `evicted`: it was acknowledged and has left the replay window (space, the window's bound, its age), or
 *   it predates this incarnation's window (an older bridge deleted it at its PUBACK).
 * - `dropped`: the outbox's byte bound dropped it before the broker ever acknowledged it.
 * - `never_produced`: beyond the last seq this outbox assigned (or below 1): no such event exists here.
 */
export type SeqState = 'acknowledged' | 'unacknowledged' | 'evicted' | 'dropped' | 'never_produced';

/** Consecutive seqs in the same state; `positions` holds theirs, in seq order, for the stored states. */
export interface SeqSpan {
  from: number;
  to: number;
  state: SeqState;
  positions: number[];
}

export interface StreamView {
  seqs: StreamSeqs | undefined;
  /** Last seq assigned (0: none). */
  lastSeq: number;
  waiting: (position: number) => boolean;
}

/**
 * Describes seqs `from..to` of one stream as spans of one state each, walking at most `limit` stored seqs
 * (the caller answers the rest later). Runs that are not stored cost one step however long they are, so a
 * request for "everything from 1" against a month-old camera is cheap: evicted, then the window, then
 * never produced. Returns the spans and the last seq described.
 */
export function describeSeqs(view: StreamView, from: number, to: number, limit = Infinity): { spans: SeqSpan[]; describedTo: number } {
  const { seqs, lastSeq, waiting } = view;
  const spans: SeqSpan[] = [];
  const push = (a: number, b: number, state: SeqState, position?: number) => {
    const last = spans[spans.length - 1];
    if (last && last.state === state && last.to === a - 1) last.to = b;
    else spans.push({ from: a, to: b, state, positions: [] });
    if (position !== undefined) spans[spans.length - 1].positions.push(position);
  };
  if (from < 1) push(from, Math.min(to, 0), 'never_produced');
  const storedTo = Math.min(to, lastSeq);
  let seq = Math.max(from, 1);
  let steps = 0;
  for (; seq <= storedTo && steps < limit; steps++) {
    const position = seqs?.get(seq);
    if (position !== undefined) {
      push(seq, seq, waiting(position) ? 'unacknowledged' : 'acknowledged', position);
      seq++;
      continue;
    }
    const dropped = seqs?.droppedRangeAt(seq);
    if (dropped) {
      const end = Math.min(dropped[1], storedTo);
      push(seq, end, 'dropped');
      seq = end + 1;
      continue;
    }
    // Not stored and not dropped: evicted. Below the oldest stored seq the whole run is, up to the next
    // dropped range; inside the window it is a single seq.
    const lowest = seqs?.lowest();
    const end =
      lowest === undefined || seq < lowest
        ? Math.min(storedTo, (lowest ?? Infinity) - 1, (seqs?.nextDroppedAfter(seq) ?? Infinity) - 1)
        : seq;
    push(seq, end, 'evicted');
    seq = end + 1;
  }
  if (seq <= storedTo) return { spans, describedTo: seq - 1 };
  const beyond = Math.max(from, lastSeq + 1, 1);
  if (to >= beyond) push(beyond, to, 'never_produced');
  return { spans, describedTo: to };
}

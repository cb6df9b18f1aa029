/** Inclusive seq ranges [from, to] and the set arithmetic the repairer needs on them. */
export type Span = [from: number, to: number];

/** Parts of [from, to] not covered by `cover` (which must be sorted by start; may overlap). */
export function subtract(from: number, to: number, cover: readonly Span[]): Span[] {
  const out: Span[] = [];
  let next = from;
  for (const [a, b] of cover) {
    if (b < next) continue;
    if (a > to) break;
    if (a > next) out.push([next, Math.min(a - 1, to)]);
    next = Math.max(next, b + 1);
    if (next > to) break;
  }
  if (next <= to) out.push([next, to]);
  return out;
}

/** Parts of [from, to] that `cover` covers. */
export function intersect(from: number, to: number, cover: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of cover) {
    const lo = Math.max(a, from);
    const hi = Math.min(b, to);
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

export const spanSize = ([a, b]: Span): number => b - a + 1;

export const totalSize = (spans: readonly Span[]): number => spans.reduce((sum, s) => sum + spanSize(s), 0);

/**
 * Takes spans in order until `maxSeqs` seqs are taken, splitting the last one; returns what was taken and
 * what is left. A request asks for a bounded number of seqs however large a gap is.
 */
export function takeSeqs(spans: readonly Span[], maxSeqs: number, maxSpans: number): { taken: Span[]; left: Span[] } {
  const taken: Span[] = [];
  const left: Span[] = [];
  let budget = maxSeqs;
  for (const [a, b] of spans) {
    if (budget <= 0 || taken.length >= maxSpans) {
      left.push([a, b]);
      continue;
    }
    const end = Math.min(b, a + budget - 1);
    taken.push([a, end]);
    budget -= end - a + 1;
    if (end < b) left.push([end + 1, b]);
  }
  return { taken, left };
}

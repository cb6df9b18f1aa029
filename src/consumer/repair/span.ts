/** An inclusive seq range [from, to]: what a repair request asks for and a ledger row records. */
export type Span = [from: number, to: number];

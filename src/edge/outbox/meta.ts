import { v7 as uuidv7 } from 'uuid';
import type { Database } from 'lmdb';
import type { SeqRange } from './stream-seqs.ts';

/**
 * The outbox's `meta` table: every key it holds, in one place. Values are msgpack.
 *
 * | key | value |
 * |---|---|
 * | `next_position` | the next position to hand out |
 * | `acked` | which stored entries the broker acknowledged (the replay window): see ack-mark.ts |
 * | `incarnation` | `{ id, started_at }`: who this outbox is; a new directory is a new incarnation |
 * | `seq/<stream>` | the stream's last seq |
 * | `first/<stream>` | the first seq this incarnation assigned (or found, when it took over an older outbox) |
 * | `sid/<stream>` | the stream's id in entry headers |
 * | `dropped/<stream>` | seq ranges the byte bound dropped before they were acknowledged |
 */
export type Meta = Database<unknown, string>;

export interface Incarnation {
  /** UUIDv7 minted when the outbox directory was first opened by a bridge that keeps a replay window. */
  id: string;
  /** Epoch ms of that moment. */
  startedAt: number;
}

export const NEXT_POSITION = 'next_position';
export const ACKED = 'acked';
const INCARNATION = 'incarnation';
export const seqKey = (stream: string) => `seq/${stream}`;
export const firstKey = (stream: string) => `first/${stream}`;
export const sidKey = (stream: string) => `sid/${stream}`;
export const droppedKey = (stream: string) => `dropped/${stream}`;

/** The outbox's incarnation, minted now if this directory has none (new, or written by an older bridge). */
export function loadIncarnation(meta: Meta): { incarnation: Incarnation; minted: boolean } {
  const stored = meta.get(INCARNATION) as { id?: unknown; started_at?: unknown } | undefined;
  if (stored && typeof stored.id === 'string' && typeof stored.started_at === 'number') {
    return { incarnation: { id: stored.id, startedAt: stored.started_at }, minted: false };
  }
  const incarnation = { id: uuidv7(), startedAt: Date.now() };
  void meta.put(INCARNATION, { id: incarnation.id, started_at: incarnation.startedAt });
  return { incarnation, minted: true };
}

/** Names of the streams with a seq counter. */
export function knownStreams(meta: Meta): string[] {
  const out: string[] = [];
  for (const key of meta.getKeys({ start: 'seq/', end: 'seq0' })) out.push(String(key).slice(4));
  return out;
}

export function numberAt(meta: Meta, key: string): number | undefined {
  const v = meta.get(key);
  return typeof v === 'number' ? v : undefined;
}

export function rangesAt(meta: Meta, key: string): SeqRange[] {
  const v = meta.get(key);
  return Array.isArray(v) ? (v.filter((r) => Array.isArray(r) && r.length === 2) as SeqRange[]) : [];
}

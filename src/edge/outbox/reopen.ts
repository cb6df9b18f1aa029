import { AckMark, type AckMarkRecord } from './ack-mark.ts';
import { decodeEntry, legacyStreamAndSeq, readHeader } from './entry.ts';
import type { OutboxEnvironment } from './environment.ts';
import { ACKED, NEXT_POSITION, numberAt } from './meta.ts';
import type { PositionIndex } from './positions.ts';
import type { StreamSeqs } from './stream-seqs.ts';
import type { StreamTable } from './streams.ts';

/**
 * Rebuilds the in-memory indexes of an outbox from disk: every stored entry into `index` (acknowledged or
 * waiting, as the persisted ack mark says) and into its stream's seq index. Returns the next position and
 * the ack mark to continue from.
 */
export function reopenOutbox(
  env: OutboxEnvironment,
  streams: StreamTable,
  index: PositionIndex,
): { nextPosition: number; ackMark: AckMark } {
  streams.loadIds();
  const ackMark = new AckMark(env.meta.get(ACKED) as AckMarkRecord | undefined);
  let next = numberAt(env.meta, NEXT_POSITION) ?? 0;
  const lowestStored = new Map<string, number>();
  // Keys, and each value read in place (getBinaryFast, no copy): a full 2 GiB window reopens without
  // copying its payloads; only the headers are read.
  for (const key of env.entries.getKeys()) {
    const value = env.entries.getBinaryFast(key);
    if (value === undefined) continue;
    if (ackMark.isAcknowledged(key)) index.addAcknowledged(key, value.length);
    else index.add(key, value.length);
    next = Math.max(next, key + 1);
    const h = readHeader(value);
    let stream: StreamSeqs | undefined;
    let seq = h.seq;
    if (h.streamId !== undefined) {
      stream = streams.withId(h.streamId);
    } else {
      // Written by a bridge before the replay window: read its stream and seq once, here.
      const legacy = legacyStreamAndSeq(decodeEntry(key, value));
      if (legacy) {
        stream = streams.streamFor(legacy.stream);
        seq = legacy.seq;
      }
    }
    if (stream && seq !== undefined) {
      stream.add(seq, key);
      if (!lowestStored.has(stream.name)) lowestStored.set(stream.name, seq);
    }
  }
  streams.loadFirstSeqs(lowestStored);
  return { nextPosition: next, ackMark };
}

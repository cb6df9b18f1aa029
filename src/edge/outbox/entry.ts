/**
 * How one outbox entry is laid out in LMDB. Two layouts, told apart by the top bit of the topic length:
 *
 * - v1 (written before the replay window): float64 acceptedAt, uint16 topic length, topic, payload.
 * - v2: float64 acceptedAt, uint16 topic length | 0x8000, uint32 stream id, float64 seq, topic, payload.
 *
 * v2 carries the entry's stream and seq so that reopening an outbox rebuilds its seq index without
 * parsing a single payload. v1 entries (an outbox written by an older bridge) are still read: their seq
 * is taken from the detection JSON and their stream from the topic, once, when the outbox opens.
 */
export interface OutboxEntry {
  position: number;
  topic: string;
  /** The bytes exactly as accepted: a republished entry goes out byte for byte as the first time. */
  payload: Buffer;
  /** Epoch milliseconds when the entry was appended. */
  acceptedAt: number;
}

/** What reopening needs of an entry, without copying its payload. */
export interface EntryHeader {
  acceptedAt: number;
  /** Stream id (v2), or undefined for a v1 entry. */
  streamId: number | undefined;
  /** seq (v2), or undefined for a v1 entry. */
  seq: number | undefined;
  topicStart: number;
  topicBytes: number;
}

const V1_HEADER = 10;
const V2_HEADER = 22;
const V2_FLAG = 0x8000;

/** Bytes an entry of this topic and payload occupies, as the byte bounds count it. */
export function entrySize(topic: string, payloadBytes: number): number {
  return V2_HEADER + Buffer.byteLength(topic) + payloadBytes;
}

export function encodeEntry(topic: string, payload: Uint8Array, acceptedAt: number, streamId: number, seq: number): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  if (topicBytes >= V2_FLAG) throw new RangeError(`outbox topic of ${topicBytes} bytes is too long`);
  const buf = Buffer.allocUnsafe(V2_HEADER + topicBytes + payload.byteLength);
  buf.writeDoubleLE(acceptedAt, 0);
  buf.writeUInt16LE(topicBytes | V2_FLAG, 8);
  buf.writeUInt32LE(streamId, 10);
  buf.writeDoubleLE(seq, 14);
  buf.write(topic, V2_HEADER, 'utf8');
  buf.set(payload, V2_HEADER + topicBytes);
  return buf;
}

export function readHeader(buf: Buffer): EntryHeader {
  const raw = buf.readUInt16LE(8);
  if ((raw & V2_FLAG) === 0) {
    return { acceptedAt: buf.readDoubleLE(0), streamId: undefined, seq: undefined, topicStart: V1_HEADER, topicBytes: raw };
  }
  return {
    acceptedAt: buf.readDoubleLE(0),
    streamId: buf.readUInt32LE(10),
    seq: buf.readDoubleLE(14),
    topicStart: V2_HEADER,
    topicBytes: raw & ~V2_FLAG,
  };
}

export function decodeEntry(position: number, buf: Buffer): OutboxEntry {
  const h = readHeader(buf);
  const payloadStart = h.topicStart + h.topicBytes;
  return {
    position,
    acceptedAt: h.acceptedAt,
    topic: buf.toString('utf8', h.topicStart, payloadStart),
    payload: buf.subarray(payloadStart),
  };
}

/**
 * Stream and seq of a v1 entry, which did not record them: the stream from a detection topic
 * (vision/{region}/{site}/{camera}/detection), the seq from the payload. Undefined when neither can be read;
 * such an entry is still published, it just cannot be found by seq.
 */
export function legacyStreamAndSeq(entry: OutboxEntry): { stream: string; seq: number } | undefined {
  const parts = entry.topic.split('/');
  if (parts.length !== 5) return undefined;
  try {
    const seq = (JSON.parse(entry.payload.toString('utf8')) as { seq?: unknown }).seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) ? { stream: parts.slice(1, 4).join('/'), seq } : undefined;
  } catch {
    return undefined;
  }
}

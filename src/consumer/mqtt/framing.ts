import type { IPublishPacket } from 'mqtt-packet';

/** A PUBLISH decoded on the fast path: the fields mqtt-packet would give, the payload a view of the read. */
export type FastPublish = Pick<IPublishPacket, 'cmd' | 'topic' | 'payload' | 'qos' | 'dup' | 'retain' | 'messageId'>;

export interface FramingHandlers {
  /** A PUBLISH at QoS 0 or 1 without properties. */
  publish(packet: FastPublish): void;
  /** Every other packet, whole, for mqtt-packet to parse. */
  other(bytes: Buffer): void;
  /** The fixed header is not MQTT: the connection must be closed. */
  error(err: Error): void;
}

const PUBLISH = 3;

/**
 * Cuts a subscriber connection's bytes into MQTT packets (fixed header and remaining length, MQTT 5
 * section 2.1) and decodes the one kind that carries the load itself: a PUBLISH at QoS 0 or 1 with no
 * properties. Everything else, including any PUBLISH with properties or QoS 2, goes to mqtt-packet whole,
 * in order, so the protocol stays the library's job. Why: mqtt-packet spends about 1 KB of garbage a
 * PUBLISH on disabled debug calls and copies each payload out of its buffer list; measured in the
 * consumer, parsing was a third of all it allocated (docs/consumer.md). Payloads here are views of the
 * socket's chunk, which lives as long as one of its messages is still uncommitted.
 */
export class MqttFraming {
  /** An incomplete packet left from the last chunk. */
  private rest: Buffer | undefined;

  constructor(
    private readonly version: 4 | 5,
    private readonly on: FramingHandlers,
  ) {}

  push(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let at = 0;
    while (at < buf.length) {
      const header = remainingLength(buf, at + 1);
      if (header === 'malformed') return this.on.error(new Error('malformed remaining length in an MQTT fixed header'));
      if (header === undefined || header.start + header.length > buf.length) break;
      const end = header.start + header.length;
      if (!this.fastPublish(buf, at, header.start, end)) this.on.other(buf.subarray(at, end));
      at = end;
    }
    // A copy, so a partial packet does not keep the whole chunk alive.
    if (at < buf.length) this.rest = Buffer.from(buf.subarray(at));
  }

  /** Decodes [start, end) as a PUBLISH if it is one the fast path takes; false hands it on. */
  private fastPublish(buf: Buffer, at: number, start: number, end: number): boolean {
    const first = buf[at];
    const qos = (first >> 1) & 3;
    if (first >> 4 !== PUBLISH || qos > 1) return false;
    let pos = start;
    if (pos + 2 > end) return false;
    const topicEnd = pos + 2 + buf.readUInt16BE(pos);
    pos = topicEnd + (qos > 0 ? 2 : 0);
    if (pos > end) return false;
    if (this.version === 5) {
      // Properties present (length > 0), or a length that is itself malformed: the library's case.
      if (pos >= end || buf[pos] !== 0) return false;
      pos += 1;
    }
    this.on.publish({
      cmd: 'publish',
      topic: buf.toString('utf8', start + 2, topicEnd),
      payload: buf.subarray(pos, end),
      qos: qos as 0 | 1,
      dup: (first & 8) !== 0,
      retain: (first & 1) !== 0,
      messageId: qos > 0 ? buf.readUInt16BE(topicEnd) : undefined,
    });
    return true;
  }
}

/** The remaining length at `pos` (MQTT 5 section 1.5.5): its value and where the packet's body starts. */
function remainingLength(buf: Buffer, pos: number): { length: number; start: number } | undefined | 'malformed' {
  let length = 0;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= buf.length) return undefined;
    const byte = buf[pos + i];
    length += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return { length, start: pos + i + 1 };
  }
  return 'malformed';
}

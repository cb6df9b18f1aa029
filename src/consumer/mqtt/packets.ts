import mqttPacket from 'mqtt-packet';
import { DEFAULT_SESSION_EXPIRY_SECONDS, type SubscriberSessionOptions } from './subscriber-session.ts';

/** The bytes a subscriber session sends; kept apart so the session file holds only the state machine. */

export interface ConnectFields {
  username: string | undefined;
  password: string | undefined;
}

export function connectPacket(options: SubscriberSessionOptions, version: 4 | 5, auth: ConnectFields): Buffer {
  return mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: version,
      clientId: options.clientId,
      // Clean start off: the broker keeps our subscriptions and unacknowledged messages while we are away.
      clean: false,
      keepalive: options.keepaliveSeconds ?? 30,
      ...(auth.username === undefined ? {} : { username: auth.username }),
      ...(auth.password === undefined ? {} : { password: Buffer.from(auth.password) }),
      ...(version === 5
        ? {
            properties: {
              // In MQTT 5 clean start off alone is not enough: with no expiry the session ends with the connection.
              sessionExpiryInterval: options.sessionExpiry ?? DEFAULT_SESSION_EXPIRY_SECONDS,
              receiveMaximum: options.receiveMaximum ?? 65535,
            },
          }
        : {}),
    },
    { protocolVersion: version },
  );
}

export function subscribePacket(filters: string[], messageId: number, version: 4 | 5): Buffer {
  return mqttPacket.generate(
    {
      cmd: 'subscribe',
      messageId,
      subscriptions: filters.map((topic) => ({ topic, qos: 1 as const })),
    },
    { protocolVersion: version },
  );
}

/** Reason 0 (normal): the broker keeps the session and its queue, and does not publish the will. */
export function disconnectPacket(version: 4 | 5): Buffer {
  return mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0 }, { protocolVersion: version });
}

const PINGREQ = Buffer.from([0xc0, 0x00]);
/** QoS 0: fire and forget, for notices such as dead letters whose durable record lives elsewhere. */
export function publishQos0Packet(topic: string, payload: Buffer, version: 4 | 5): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false }, { protocolVersion: version });
}

export function pingreqPacket(): Buffer {
  return PINGREQ;
}

/**
 * PUBACKs for `ids`, in order, as one Buffer. A PUBACK with reason Success and no properties is four bytes in
 * both 3.1.1 and 5 (MQTT 5 section 3.4.2.1), so a commit's worth of them costs one allocation and one write.
 */
export function pubackBatch(ids: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(ids.length * 4);
  for (let i = 0; i < ids.length; i++) {
    buf[i * 4] = 0x40;
    buf[i * 4 + 1] = 2;
    buf.writeUInt16BE(ids[i], i * 4 + 2);
  }
  return buf;
}

import { connect } from 'node:net';
import mqttPacket, { type IConnackPacket } from 'mqtt-packet';

/** What a CONNECT to an address found there. */
export type ProbeResult =
  /** An MQTT broker that accepted an anonymous session with this version. */
  | { kind: 'broker'; protocolVersion: 5 | 4; sharedSubscriptions: boolean }
  /** An MQTT broker that answered, but refused the session (credentials, client id...): CONNACK code. */
  | { kind: 'refused'; protocolVersion: 5 | 4; code: number }
  /** Something that accepted the TCP connection and did not answer MQTT. */
  | { kind: 'not-mqtt' }
  /** Nothing accepts connections there. */
  | { kind: 'nothing' };

/** MQTT 5 CONNACK 0x84 and MQTT 3.1.1 return code 1: the broker does not speak the version we asked for. */
const UNSUPPORTED_VERSION = new Set([0x84, 1]);

function attempt(host: string, port: number, version: 5 | 4, timeoutMs: number): Promise<IConnackPacket | 'closed' | 'nothing'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let connected = false;
    let finished = false;
    const done = (value: IConnackPacket | 'closed' | 'nothing') => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const accepted = typeof value === 'object' && (value.reasonCode ?? value.returnCode) === 0;
      // An accepted probe says goodbye properly, so the broker logs no abnormal disconnect for it.
      if (accepted) socket.end(mqttPacket.generate({ cmd: 'disconnect' }, { protocolVersion: version }));
      else socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(connected ? 'closed' : 'nothing'), timeoutMs);
    // Not a 3.1.1 parser for a 5 answer: Aedes answers a version-5 CONNECT in 3.1.1 form, which both parse.
    const parser = mqttPacket.parser({ protocolVersion: version });
    parser.on('packet', (packet) => done(packet.cmd === 'connack' ? (packet as IConnackPacket) : 'closed'));
    parser.on('error', () => done('closed'));
    socket.on('data', (data) => parser.parse(data));
    socket.on('error', () => done(connected ? 'closed' : 'nothing'));
    socket.on('close', () => done(connected ? 'closed' : 'nothing'));
    socket.on('connect', () => {
      connected = true;
      socket.write(
        mqttPacket.generate(
          {
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: version,
            clean: true,
            clientId: `seamline-probe-${process.pid}`,
            keepalive: 10,
          },
          { protocolVersion: version },
        ),
      );
    });
  });
}

/**
 * Asks `host:port` who it is with an anonymous MQTT 5 CONNECT, then 3.1.1 if the broker does not speak 5.
 * Used to tell a busy port's user that a broker is already there, and to pick the version and the shared
 * subscription for `seamline start --broker`. Leaves no session behind (clean start, DISCONNECT).
 */
export async function probeBroker(host: string, port: number, timeoutMs = 2_000): Promise<ProbeResult> {
  for (const version of [5, 4] as const) {
    const answer = await attempt(host, port, version, timeoutMs);
    if (answer === 'nothing') return { kind: 'nothing' };
    // A 3.1.1 broker may also just hang up on a version-5 CONNECT: try 3.1.1 before calling it not MQTT.
    if (answer === 'closed') {
      if (version === 5) continue;
      return { kind: 'not-mqtt' };
    }
    const code = answer.reasonCode ?? answer.returnCode ?? 0;
    if (version === 5 && UNSUPPORTED_VERSION.has(code)) continue;
    if (code !== 0) return { kind: 'refused', protocolVersion: version, code };
    // MQTT 5 section 3.2.2.3.13: absent means shared subscriptions are available.
    const shared = version === 5 && answer.properties?.sharedSubscriptionAvailable !== false;
    return { kind: 'broker', protocolVersion: version, sharedSubscriptions: shared };
  }
  return { kind: 'not-mqtt' };
}

import type { Socket } from 'node:net';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import { MqttFraming } from './framing.ts';

/**
 * Reads MQTT packets from the socket and hands each to `onPacket`, in order. Plain PUBLISHes are decoded on
 * the way (framing.ts); every other packet goes to mqtt-packet. Bytes that are not MQTT destroy the socket.
 */
export function readPackets(socket: Socket, version: 4 | 5, onPacket: (packet: Packet) => void): void {
  const parser = mqttPacket.parser({ protocolVersion: version });
  parser.on('packet', onPacket);
  parser.on('error', (err: Error) => socket.destroy(err));
  const framing = new MqttFraming(version, {
    publish: (packet) => onPacket(packet as IPublishPacket),
    other: (bytes) => parser.parse(bytes),
    error: (err) => socket.destroy(err),
  });
  socket.on('data', (chunk: Buffer) => framing.push(chunk));
}

import type { Socket } from 'node:net';
import { pingreqPacket } from './packets.ts';

/** What the keepalive needs to know about the session that owns the socket. */
export interface KeepaliveOwner {
  /** False once the session moved on to another socket. */
  owns(socket: Socket): boolean;
  /** True while the session does not read the socket. */
  paused(): boolean;
}

/**
 * Sends a PINGREQ every `seconds` and destroys the socket when the previous one got no PINGRESP;
 * call `pong()` on each PINGRESP. Stops with the socket.
 */
export function startKeepalive(socket: Socket, seconds: number, owner: KeepaliveOwner): { pong(): void } {
  let awaitingPong = false;
  const interval = setInterval(() => {
    if (!owner.owns(socket)) return clearInterval(interval);
    // While paused we do not read the socket, so a PINGRESP may be sitting unread: not a sign of death.
    if (awaitingPong && !owner.paused()) return void socket.destroy(new Error(`no PINGRESP within ${seconds} s`));
    awaitingPong = true;
    socket.write(pingreqPacket());
  }, seconds * 1000);
  socket.once('close', () => clearInterval(interval));
  return {
    pong: () => {
      awaitingPong = false;
    },
  };
}

import type { Socket } from 'node:net';

/**
 * Ends the connection after writing `lastWords` (PUBACKs, DISCONNECT), and resolves once the socket closed
 * or was destroyed after `forceMs`.
 */
export async function hangUp(socket: Socket, lastWords: () => void, forceMs = 2_000): Promise<void> {
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  lastWords();
  socket.end();
  // Keep reading until the broker hangs up: closing with unread bytes makes the kernel send RST, which can
  // discard the PUBACKs and DISCONNECT still in our send buffer.
  socket.resume();
  const force = setTimeout(() => socket.destroy(), forceMs);
  await closed;
  clearTimeout(force);
}

import type { Server } from 'node:net';
import { SeamError } from '../contract/errors.ts';

/** The errors an address can give a listener, in words an operator can act on. */
const REASONS: Record<string, string> = {
  EADDRINUSE: 'is in use by another program',
  EACCES: 'is not permitted to this user (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  EADDRNOTAVAIL: 'is not an address of this machine',
};

/**
 * A listener's bind failure as SEAM_ERR_LISTEN naming what was listening, the address and the reason; `field`
 * is `host` when the address is not this machine's, else `port`, so a caller can name the flag that changes
 * it. Any other error is returned as it is.
 */
export function listenError(err: unknown, what: string, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason === undefined) return err;
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new SeamError('SEAM_ERR_LISTEN', `${what} cannot listen on ${address}: the address ${reason}`, {
    field: code === 'EADDRNOTAVAIL' ? 'host' : 'port',
    cause: err,
  });
}

/** `server.listen(port, host)` as a promise; a busy or forbidden address rejects with SEAM_ERR_LISTEN. */
export function listen(server: Server, port: number, host: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(listenError(err, what, host, port));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** True when `err` is SEAM_ERR_LISTEN because something else holds the address (not a permission problem). */
export function isAddressInUse(err: unknown): boolean {
  return (
    err instanceof SeamError && err.code === 'SEAM_ERR_LISTEN' && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE'
  );
}

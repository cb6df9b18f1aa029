import { isIP } from 'node:net';
import { SeamError } from '../contract/index.ts';

const LOOPBACK = new Set(['localhost', '::1']);

/** localhost, ::1 or 127.x.x.x: an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Seamline's own listeners (embedded broker, dashboard, metrics, the bridge's HTTP input) have no
 * authentication, so they stay on loopback. Reaching them from elsewhere goes through something that
 * authenticates: a reverse proxy with TLS and credentials, or an SSH tunnel.
 * Meant for a `configFromFlags` check, which names the flag or file key in front of the reason.
 */
export function assertLoopback(host: string, field: string): void {
  if (!isLoopback(host)) {
    throw new SeamError(
      'SEAM_ERR_CONFIG',
      `would expose an unauthenticated listener; keep it on 127.0.0.1 and put an authenticating proxy in front (docs/security.md)`,
      { field },
    );
  }
}

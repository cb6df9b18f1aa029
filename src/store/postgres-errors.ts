import { SeamError } from '../contract/index.ts';

/**
 * The PostgreSQL store's retry decision, like a Telegraf output's: a failure that waiting can cure
 * (connection refused or dropped, server starting or shutting down, timeouts, lock and serialization
 * conflicts, out of resources) is SEAM_ERR_STORE_UNAVAILABLE and the batch stays unacknowledged; a failure
 * that retrying the same request cannot cure (authentication, missing database, privileges, a bad URL)
 * is SEAM_ERR_CONFIG. Anything unknown counts as retryable: the broker still holds the data, and
 * a stuck consumer is visible, whereas a wrongly dropped batch is silent loss.
 */
export type PgFailure = 'retryable' | 'permanent';

/** SQLSTATE classes and codes that retrying the same statement cannot fix. */
const PERMANENT_CODES = new Set(['28000', '28P01', '3D000', '42501', '3F000', '0A000']);
const PERMANENT_CLASSES = new Set(['28', '3D', '42', '22', '23']);
/** Node socket errors that say the address itself is wrong, not that the server is away. */
const PERMANENT_ERRNO = new Set(['ENOTFOUND', 'EINVAL', 'ERR_INVALID_URL']);

export function classifyPgError(err: unknown): PgFailure {
  const e = err as { code?: unknown; errno?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (PERMANENT_ERRNO.has(code)) return 'permanent';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (PERMANENT_CODES.has(code) || PERMANENT_CLASSES.has(code.slice(0, 2))) return 'permanent';
  }
  return 'retryable';
}

/** Wraps a pg failure in the SeamError the consumer acts on; never echoes a password. */
export function pgError(what: string, target: string, cause: unknown): SeamError {
  const message = redactSecrets(cause instanceof Error ? cause.message : String(cause));
  const sqlstate = (cause as { code?: unknown })?.code;
  const suffix = typeof sqlstate === 'string' ? ` (${sqlstate})` : '';
  if (classifyPgError(cause) === 'permanent') {
    return new SeamError('SEAM_ERR_CONFIG', `postgres ${what} on ${target} failed for good${suffix}: ${message}`, {
      field: 'store.url',
      cause,
    });
  }
  return new SeamError('SEAM_ERR_STORE_UNAVAILABLE', `postgres ${what} on ${target} failed${suffix}: ${message}`, {
    field: 'store',
    cause,
  });
}

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`, also inside longer messages. */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}

/** host:port/database of a connection string, for messages: enough to find the server, no credentials. */
export function describeTarget(url: string | undefined, fallback: string): string {
  if (!url) return fallback;
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return redactSecrets(url);
  }
}

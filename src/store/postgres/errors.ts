import { SeamError } from '../../contract/index.ts';
import { redactUrlsIn as redactSecrets } from '../../plumbing/redact.ts';

/**
 * The PostgreSQL store's decision on a failure, like a Telegraf output's: `retryable` when waiting can cure
 * it (connection refused or dropped, server starting or shutting down, timeouts, lock and serialization
 * conflicts, out of resources): SEAM_ERR_STORE_UNAVAILABLE, the batch stays unacknowledged; `data` when the
 * server refuses a value (class 22 data exception: a NUL in text, a date out of range; 23 a constraint; 54 a
 * row over a limit): SEAM_ERR_STORE_REFUSED, the consumer finds the message and dead-letters it; `permanent`
 * when the request itself cannot work (authentication, missing database, privileges, a bad URL):
 * SEAM_ERR_CONFIG, which the consumer believes once its probe fails too. Anything unknown is retryable: the
 * broker still holds the data, and a batch that keeps failing is probed before long.
 */
export type PgFailure = 'retryable' | 'data' | 'permanent';

/** SQLSTATE classes and codes that retrying the same statement cannot fix. */
const PERMANENT_CODES = new Set(['28000', '28P01', '3D000', '42501', '3F000', '0A000']);
const PERMANENT_CLASSES = new Set(['28', '3D', '3F', '42']);
/** SQLSTATE classes that say a value in the statement is what the server refuses. */
const DATA_CLASSES = new Set(['22', '23', '54']);
/** Node socket errors that say the address itself is wrong, not that the server is away. */
const PERMANENT_ERRNO = new Set(['ENOTFOUND', 'EINVAL', 'ERR_INVALID_URL']);

export function classifyPgError(err: unknown): PgFailure {
  const e = err as { code?: unknown; errno?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (PERMANENT_ERRNO.has(code)) return 'permanent';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (DATA_CLASSES.has(code.slice(0, 2))) return 'data';
    if (PERMANENT_CODES.has(code) || PERMANENT_CLASSES.has(code.slice(0, 2))) return 'permanent';
  }
  return 'retryable';
}

/** Wraps a pg failure in the SeamError the consumer acts on; never echoes a password. */
export function pgError(what: string, target: string, cause: unknown): SeamError {
  const message = redactSecrets(cause instanceof Error ? cause.message : String(cause));
  const sqlstate = (cause as { code?: unknown })?.code;
  const suffix = typeof sqlstate === 'string' ? ` (${sqlstate})` : '';
  switch (classifyPgError(cause)) {
    case 'permanent':
      return new SeamError('SEAM_ERR_CONFIG', `postgres ${what} on ${target} failed for good${suffix}: ${message}`, {
        field: 'store.url',
        cause,
      });
    case 'data':
      return new SeamError('SEAM_ERR_STORE_REFUSED', `postgres ${what} on ${target} refused a value${suffix}: ${message}`, {
        field: 'store',
        cause,
      });
    default:
      return new SeamError('SEAM_ERR_STORE_UNAVAILABLE', `postgres ${what} on ${target} failed${suffix}: ${message}`, {
        field: 'store',
        cause,
      });
  }
}

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`, also inside longer messages (plumbing/redact.ts). */
export { redactSecrets };

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

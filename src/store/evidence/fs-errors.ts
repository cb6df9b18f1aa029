import { SeamError } from '../../contract/index.ts';

/** What a wrong directory says: no permission, read-only, a file where a folder should be. */
const CONFIG = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG']);

/**
 * A file system failure as the store codes of store.ts, so the consumer retries a full disk and says plainly
 * that a directory it cannot write is misconfigured. Everything else (ENOSPC, EIO, too many open files, and
 * anything unknown) counts as unavailable: the broker still holds the image, and pruning or an operator may
 * free the disk.
 */
export function fsError(what: string, path: string, cause: unknown): SeamError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? '';
  const message = `evidence directory: ${what} ${path} failed${code ? ` (${code})` : ''}: ${(cause as Error)?.message ?? cause}`;
  if (CONFIG.has(code)) return new SeamError('SEAM_ERR_CONFIG', message, { field: 'evidence.dir', cause });
  return new SeamError('SEAM_ERR_STORE_UNAVAILABLE', message, { field: 'evidence.dir', cause });
}

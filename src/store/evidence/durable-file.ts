import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Ends every temporary name: a file with it is a write that never finished, and open() removes it. */
export const TEMP_SUFFIX = '.tmp';

/** fsync of a directory: makes the names created or removed in it durable, not only the files' bytes. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `bytes` to `path` so that after a crash `path` is either absent or whole: into a temporary file
 * beside it, fsync'd, then renamed over (rename is atomic within a directory). The directory itself is
 * fsync'd by the caller once its renames are done, so the new name is durable too.
 */
export async function writeWhole(path: string, bytes: Uint8Array): Promise<void> {
  // The pid keeps two processes that share a directory by mistake from writing into one temporary file.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

/** Removes a file that may already be gone (a crash between two removals). */
export async function removeIfThere(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

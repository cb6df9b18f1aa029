import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { SeamError } from '../../contract/index.ts';

/** stat() of a `--source` path, failing with SEAM_ERR_CONFIG that names the path and the reason. */
export async function statSource(path: string): Promise<Stats> {
  return stat(path).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'no such file or directory' : err.message;
    throw new SeamError('SEAM_ERR_CONFIG', `source ${path}: ${why}`, { field: 'source', cause: err });
  });
}

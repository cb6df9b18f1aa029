import { extname } from 'node:path';
import { SeamError } from '../../../contract/index.ts';

/**
 * The report's format from its file name: .html/.htm or .md; anything else is refused, naming report. Apart from
 * report.ts so that `seamline bench` checks its flags without loading what a run loads.
 */
export function reportFormat(file: string): 'html' | 'md' {
  const ext = extname(file).toLowerCase();
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.md' || ext === '.markdown') return 'md';
  throw new SeamError('SEAM_ERR_CONFIG', `must end in .html or .md (the report's format), not "${ext || 'no extension'}"`, {
    field: 'report',
  });
}

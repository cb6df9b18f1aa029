import { readFileSync } from 'node:fs';
import type { TObject } from '@sinclair/typebox';
import { assertValid, compile, isSeamError, SeamError } from '../contract/index.ts';

/** Reads a JSON config file; a missing or broken file is a SEAM_ERR_CONFIG that names it. */
function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new SeamError('SEAM_ERR_CONFIG', `cannot read config file ${path}: ${(cause as Error).message}`, { field: 'config', cause });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the top level must be an object');
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new SeamError('SEAM_ERR_CONFIG', `config file ${path} is not valid JSON: ${(cause as Error).message}`, { field: 'config', cause });
  }
}

/**
 * Defaults, then the config file, then flags the user actually gave; validated as a whole so an error
 * names the field whichever source it came from.
 */
function resolveConfig<T>(
  schema: TObject,
  defaults: T,
  file: Record<string, unknown> | undefined,
  flags: Record<string, unknown>,
): T {
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const merged: unknown = { ...defaults, ...(file ?? {}), ...given };
  try {
    assertValid(compile(schema), merged, String(schema.title ?? 'config'));
  } catch (err) {
    if (isSeamError(err)) throw new SeamError('SEAM_ERR_CONFIG', err.message, { field: err.field, cause: err });
    throw err;
  }
  return merged as T;
}

/** A command's config from its parsed flags: defaults, then the `--config` file if given, then the other flags. */
export function configFromFlags<T>(schema: TObject, defaults: T, flags: Record<string, unknown> & { config?: string }): T {
  const { config: file, ...rest } = flags;
  return resolveConfig<T>(schema, defaults, file ? readConfigFile(file) : undefined, rest);
}

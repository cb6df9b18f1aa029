import { readFileSync } from 'node:fs';
import { SeamError } from '../contract/index.ts';

/** Reads the PEM files named by --ca/--cert/--key; a missing file is a config error naming the flag. */
export function readTlsFiles(paths: { ca?: string; cert?: string; key?: string }): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const field of ['ca', 'cert', 'key'] as const) {
    const path = paths[field];
    if (!path) continue;
    try {
      out[field] = readFileSync(path);
    } catch (cause) {
      throw new SeamError('SEAM_ERR_CONFIG', `--${field} ${path}: ${(cause as Error).message}`, { field, cause });
    }
  }
  return out;
}

/**
 * The MQTT password comes from the environment, not a flag: flags show up in `ps` and shell history.
 */
export const PASSWORD_ENV = 'SEAMLINE_MQTT_PASSWORD';
export function passwordFromEnv(): string | undefined {
  const value = process.env[PASSWORD_ENV];
  return value === undefined || value === '' ? undefined : value;
}

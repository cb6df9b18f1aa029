import { readFileSync } from 'node:fs';
import { SeamError } from '../../contract/index.ts';

/**
 * Reads the PEM files named by --ca/--cert/--key; a missing file is a config error on that field (run it in a
 * `configFromFlags` check, which names the flag or file key).
 */
/** PEM contents for mqtts://, as bridges and consumers take them. */
export type TlsFiles = { ca?: Buffer; cert?: Buffer; key?: Buffer };

export function readTlsFiles(paths: { ca?: string; cert?: string; key?: string }): TlsFiles {
  const out: TlsFiles = {};
  for (const field of ['ca', 'cert', 'key'] as const) {
    const path = paths[field];
    if (!path) continue;
    try {
      out[field] = readFileSync(path);
    } catch (cause) {
      throw new SeamError('SEAM_ERR_CONFIG', `cannot be read: ${(cause as Error).message}`, { field, cause });
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

import { readFileSync } from 'node:fs';
import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { compile, isSeamError, SeamError } from '../../contract/index.ts';
import { flagName, orList, shown } from './flags.ts';

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
    throw new SeamError('SEAM_ERR_CONFIG', `config file ${path} is not valid JSON: ${(cause as Error).message}`, {
      field: 'config',
      cause,
    });
  }
}

type PropertySchema = Record<string, unknown>;

/** What a property's schema allows, in words: `a whole number from 0 to 65535`, `5 or 4`. */
function allowed(schema: PropertySchema): string | undefined {
  const choices = (schema.anyOf as PropertySchema[] | undefined)?.map((s) => s.const);
  if (choices?.every((c) => c !== undefined)) return orList(choices);
  if (schema.type === 'integer' || schema.type === 'number') {
    const what = schema.type === 'integer' ? 'a whole number' : 'a number';
    const lo = schema.minimum as number | undefined;
    const above = schema.exclusiveMinimum as number | undefined;
    const hi = schema.maximum as number | undefined;
    if (lo !== undefined && hi !== undefined) return `${what} from ${lo} to ${hi}`;
    if (above !== undefined && hi !== undefined) return `${what} above ${above}, at most ${hi}`;
    if (lo !== undefined) return `${what} of at least ${lo}`;
    if (above !== undefined) return `${what} above ${above}`;
    if (hi !== undefined) return `${what} of at most ${hi}`;
    return what;
  }
  if (schema.type === 'boolean') return 'true or false';
  if (schema.type === 'string') {
    const [min, max] = [schema.minLength as number | undefined, schema.maxLength as number | undefined];
    if (max !== undefined) return `text of ${min ?? 0} to ${max} characters`;
    if (min !== undefined) return 'text that is not empty';
    return 'text';
  }
  return undefined;
}

/** Why `value` is not what `schema` allows: `is not a whole number`, `is out of range`, or the schema's own x-reason. */
function reason(schema: PropertySchema, value: unknown): string {
  const own = schema['x-reason'];
  if (typeof own === 'string') return own;
  if (schema.anyOf) return 'is not allowed';
  if (schema.type === 'integer') return typeof value === 'number' && Number.isInteger(value) ? 'is out of range' : 'is not a whole number';
  if (schema.type === 'number') return typeof value === 'number' ? 'is out of range' : 'is not a number';
  if (schema.type === 'boolean') return 'is not true or false';
  if (schema.type === 'string') return typeof value === 'string' ? 'has the wrong length' : 'is not text';
  return 'is invalid';
}

/** Where a key's value came from, so an error names it the way the user gave it. */
interface Origins {
  flags: Set<string>;
  file: string | undefined;
}

/** `--http-port eighty` for a flag, `config file a.json: httpPort "eighty"` for a file key. */
function label(key: string, value: unknown, origins: Origins): string {
  if (origins.flags.has(key)) return typeof value === 'boolean' ? flagName(key) : `${flagName(key)} ${shown(value)}`;
  if (origins.file !== undefined) return `config file ${origins.file}: ${key} ${JSON.stringify(value)}`;
  return `${key} ${shown(value)}`;
}

function refusal(
  schema: TObject,
  merged: Record<string, unknown>,
  origins: Origins,
  errors: { instancePath: string; keyword: string; params: Record<string, unknown> }[],
): SeamError {
  const first = errors[0];
  const title = String(schema.title ?? 'config');
  if (first.keyword === 'additionalProperties') {
    const key = String(first.params.additionalProperty);
    const where = origins.file !== undefined ? `config file ${origins.file}: ` : '';
    return new SeamError('SEAM_ERR_CONFIG', `${where}${key} is not a field of ${title}: use ${orList(Object.keys(schema.properties))}`, {
      field: key,
    });
  }
  const key = first.keyword === 'required' ? String(first.params.missingProperty) : first.instancePath.split('/')[1];
  const property = schema.properties[key] as PropertySchema | undefined;
  if (!property) return new SeamError('SEAM_ERR_CONFIG', `${title}: ${key ?? '(root)'} is invalid`, { field: key });
  const value = merged[key];
  const use = allowed(property);
  const own = typeof property['x-reason'] === 'string';
  return new SeamError('SEAM_ERR_CONFIG', `${label(key, value, origins)} ${reason(property, value)}${use && !own ? `: use ${use}` : ''}`, {
    field: key,
  });
}

/**
 * TypeBox's own check, interpreted: a valid config (every start) costs no validator compiled, which took 100-200 ms of
 * a restart. Whatever it does not pass, Ajv judges, as it always did, and names the field if it refuses.
 */
function checks(schema: TObject, value: unknown): boolean {
  try {
    return Value.Check(schema, value);
  } catch {
    return false;
  }
}

/**
 * A command's config from its parsed flags: defaults, then the `--config` file if given, then the flags the
 * user actually gave. Validated as a whole; an error names the flag as typed (`--http-port eighty is not a
 * whole number: use a whole number from 0 to 65535`) or the file and key, with what is allowed.
 *
 * `check` runs on the valid config for rules a schema cannot say (a listener that must stay on loopback, a
 * file that must be readable); a SEAM_ERR_CONFIG it throws with `field` set to a config key is named the same
 * way, so its message is just the reason (`would expose an unauthenticated listener...`).
 */
export function configFromFlags<T>(
  schema: TObject,
  defaults: T,
  flags: Record<string, unknown> & { config?: string },
  check?: (config: T) => void,
): T {
  const { config: file, ...rest } = flags;
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const origins: Origins = { flags: new Set(Object.keys(given)), file };
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>), ...(file ? readConfigFile(file) : {}), ...given };
  if (!checks(schema, merged)) {
    const validate = compile(schema);
    if (!validate(merged)) throw refusal(schema, merged, origins, validate.errors ?? []);
  }
  const config = merged as T;
  try {
    check?.(config);
  } catch (err) {
    if (isSeamError(err, 'SEAM_ERR_CONFIG') && err.field !== undefined && err.field in schema.properties) {
      throw new SeamError('SEAM_ERR_CONFIG', `${label(err.field, merged[err.field], origins)} ${err.message}`, {
        field: err.field,
        cause: err,
      });
    }
    throw err;
  }
  return config;
}

// The error types alone (not the index): `seamline --help` and every flag error load this file.
import { Argument, Option } from 'commander';
import { DURATION_PATTERN, parseDuration } from '../../alerting/config/duration.ts';
import { isSeamError, SeamError } from '../../contract/errors.ts';
import { storeConfigFromUrl, type StoreConfig } from '../../store/config.ts';

/**
 * How every command reads its flags. The parsers here only turn text into the type a flag holds; they never
 * refuse. Whether a value is allowed is decided once, by the command's config schema, for flags and config
 * file alike (config-file.ts), so that `--http-port eighty`, `--http-port 70000` and `"httpPort": 70000` in a
 * file are refused in the same words: the flag as the user typed it, the reason, the allowed values, exit 2.
 */

/** Text that is a number becomes one; anything else stays text, for the schema to refuse by name. */
function toNumber(value: string): number | string {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}

/** argParser of a flag that holds a whole number (the schema says which ones are allowed). */
export const integerFlag = (value: string): number | string => toNumber(value);

/** argParser of a flag that holds a number. */
export const numberFlag = (value: string): number | string => toNumber(value);

/**
 * `--flag <value>` with a fixed set of values: listed in --help, checked by the schema. Numeric choices
 * (`--protocol 5`) arrive as numbers.
 */
export function choiceOption(flags: string, description: string, choices: readonly (string | number)[]): Option {
  const option = new Option(flags, description).argParser((value: string) =>
    choices.some((c) => typeof c === 'number') ? toNumber(value) : value,
  );
  option.argChoices = choices.map(String);
  return option;
}

/** A positional argument with a fixed set of values (`bench <target>`), refused in the same style as a flag. */
export function choiceArgument(name: string, description: string, choices: readonly string[]): Argument {
  const argument = new Argument(`<${name}>`, description).argParser((value: string) => {
    if (!choices.includes(value)) {
      throw new SeamError('SEAM_ERR_CONFIG', `${name} ${shown(value)} is not allowed: use ${orList(choices)}`, { field: name });
    }
    return value;
  });
  argument.argChoices = [...choices];
  return argument;
}

/** `httpPort` -> `--http-port`: commander camel-cases long flags, so this is its inverse for our flag names. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A value as it would be typed: bare when that is unambiguous, quoted when it holds spaces or is empty. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value === '' || /[\s"']/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** `a, b or c` */
export function orList(values: readonly unknown[]): string {
  const parts = values.map((v) => String(v));
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

/** Commander's own usage errors (unknown flag, missing value) in Seamline's coded form. */
export function usageError(message: string, command: string): SeamError {
  const text = message
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
  return new SeamError('SEAM_ERR_CONFIG', `${text} (${['seamline', command, '--help'].filter(Boolean).join(' ')} lists the flags)`, {
    field: 'flags',
  });
}

const TIME_RULE = 'must be a duration back from now (30m, 1h, 7d) or an ISO 8601 time (2026-12-06T08:00:00Z)';

/** A time flag (`--since`, `--from`...): `1h` back from `nowMs`, or an ISO time; undefined when not given. Throws on the config key. */
export function timeFlag(text: string | undefined, field: string, nowMs: number): number | undefined {
  if (text === undefined) return undefined;
  if (new RegExp(DURATION_PATTERN).test(text)) return nowMs - parseDuration(text);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new SeamError('SEAM_ERR_CONFIG', TIME_RULE, { field });
  return ms;
}

/** `--store` of a command that only reads: the store's config, read-only, a bad URL refused on the `store` key. */
export function readOnlyStoreFlag(url: string): StoreConfig {
  try {
    return storeConfigFromUrl(url, { readOnly: true });
  } catch (err) {
    if (isSeamError(err)) throw new SeamError('SEAM_ERR_CONFIG', err.message.replace(/^store\.url /, ''), { field: 'store', cause: err });
    throw err;
  }
}

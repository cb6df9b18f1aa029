import { Type } from '@sinclair/typebox';

/** Region, site, camera and class names: what may stand in a topic segment and a store tag. */
export const IDENTIFIER_PATTERN = '^[a-z0-9_-]{1,64}$';
const identifierRe = new RegExp(IDENTIFIER_PATTERN);

export const IDENTIFIER_RULE = '1..64 characters of lowercase letters, digits, "-" or "_"';

export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && identifierRe.test(value);
}

export function Identifier(description: string) {
  return Type.String({ pattern: IDENTIFIER_PATTERN, description, 'x-reason': `must be ${IDENTIFIER_RULE}` });
}

/**
 * The instants every store can hold exactly: InfluxDB counts nanoseconds in an int64 (it ends in April 2262),
 * VictoriaMetrics has no time before 1970. Outside them one store or another refuses, shifts or silently
 * drops an event, so the contract refuses it first, naming the field (docs/contract.md#timestamps).
 */
export const TIMESTAMP_MIN = '1970-01-01T00:00:00.000Z';
export const TIMESTAMP_MAX = '2261-12-31T23:59:59.999Z';

/**
 * RFC 3339 in UTC with exactly millisecond precision, as `Date.prototype.toISOString()` writes it, years
 * 1970-2261, every field in its range (no month 13, no hour 24, no leap second: `Date` and the stores read
 * 23:59:60 as the next minute). A day that is not on the calendar (February 30) passes the pattern and is
 * refused by the `date-time` format.
 */
export const TIMESTAMP_PATTERN =
  '^(19[7-9]\\d|2[01]\\d\\d|22[0-5]\\d|226[01])-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d\\.\\d{3}Z$';

export const TIMESTAMP_RULE = `an RFC 3339 UTC timestamp with milliseconds, on the calendar, from ${TIMESTAMP_MIN} to ${TIMESTAMP_MAX}`;

export function Timestamp(description: string) {
  return Type.String({
    pattern: TIMESTAMP_PATTERN,
    format: 'date-time',
    description,
    'x-reason': `must be ${TIMESTAMP_RULE}, e.g. 2026-11-24T08:00:00.000Z`,
  });
}

/**
 * Characters no store keeps as they are: C0 and C1 controls (PostgreSQL refuses NUL; line protocol cannot
 * carry a newline) and unpaired UTF-16 surrogates (not Unicode text: UTF-8 stores write U+FFFD instead).
 */
export const TEXT_PATTERN = '^[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]*$';
export const TEXT_RULE = 'be text without control characters (U+0000-U+001F, U+007F-U+009F) or unpaired surrogates';

/** Free text such as a model name: any printable Unicode, bounded. */
export function Text(description: string, maxLength: number) {
  return Type.String({
    minLength: 1,
    maxLength,
    pattern: TEXT_PATTERN,
    description,
    'x-reason': `must ${TEXT_RULE}, 1..${maxLength} characters`,
  });
}

/** Time-ordered UUIDv7 (RFC 9562), lowercase. */
export const UUIDV7_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';

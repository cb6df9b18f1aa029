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

/** RFC 3339 in UTC with exactly millisecond precision, as `Date.prototype.toISOString()` writes it. */
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';

export function Timestamp(description: string) {
  return Type.String({
    pattern: TIMESTAMP_PATTERN,
    description,
    'x-reason': 'must be an RFC 3339 UTC timestamp with milliseconds, e.g. 2026-11-24T08:00:00.000Z',
  });
}

/** Time-ordered UUIDv7 (RFC 9562), lowercase. */
export const UUIDV7_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';

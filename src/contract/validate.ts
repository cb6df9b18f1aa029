import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isDayOnCalendar } from './calendar.ts';
import { SeamError } from './errors.ts';
import { escapeUnstorable } from './storable-text.ts';

/**
 * One Ajv instance compiles every contract schema once, on first use. `x-reason` is our own annotation:
 * the sentence a producer reads when that field is wrong, instead of Ajv's keyword-level wording.
 */
const ajv = new Ajv({ allErrors: false, verbose: true, strict: true });
ajv.addKeyword({ keyword: 'x-reason', schemaType: 'string' });
// `date-time` (RFC 3339, as the committed schema files say) appears only beside the timestamp pattern, which
// checks the rest of the string: what is left is whether the day exists (calendar.ts).
ajv.addFormat('date-time', { type: 'string', validate: isDayOnCalendar });

/** A validator compiled on its first use, or earlier by `prepare()`. */
export type LazyValidator<T> = ValidateFunction<T> & { prepare(): void };

/**
 * The validator of `schema`, compiled on its first use: a module that declares validators costs nothing to
 * import (`seamline --help` loads the contract but validates nothing). Its `errors` are the last run's.
 * Compiling takes tens of milliseconds; `prepare()` lets a starting service pay them while it waits for I/O.
 */
export function compile<T>(schema: object): LazyValidator<T> {
  let compiled: ValidateFunction<T> | undefined;
  const validate = ((data: unknown) => {
    compiled ??= ajv.compile<T>(schema);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as LazyValidator<T>;
  validate.prepare = () => {
    compiled ??= ajv.compile<T>(schema);
  };
  return validate;
}

/** `/detections/0/confidence` -> `detections[0].confidence` */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(root)' : out;
}

function describe(err: ErrorObject, schemaTitle: string): { field: string; reason: string } {
  switch (err.keyword) {
    case 'required':
      return { field: fieldPath(err.instancePath, err.params.missingProperty), reason: 'is required' };
    case 'additionalProperties':
      return {
        field: fieldPath(err.instancePath, err.params.additionalProperty),
        reason: `is not a field of ${schemaTitle}`,
      };
    default: {
      const custom = (err.parentSchema as Record<string, unknown> | undefined)?.['x-reason'];
      const reason = typeof custom === 'string' ? custom : (err.message ?? 'is invalid');
      return { field: fieldPath(err.instancePath), reason: `${shown(err.data)}${reason}` };
    }
  }
}

/**
 * A refused string is quoted in the message, shortened and escaped (a control character shows as \u0000 and
 * never reaches a log or a store raw): the producer sees what it sent.
 */
function shown(value: unknown): string {
  if (typeof value !== 'string') return '';
  return `(${escapeUnstorable(JSON.stringify(value.length > 48 ? `${value.slice(0, 48)}...` : value))}) `;
}

/** Runs a compiled validator; on failure throws SEAM_ERR_SCHEMA_VIOLATION naming the field and the reason. */
export function assertValid<T>(validate: ValidateFunction<T>, value: unknown, schemaTitle: string): asserts value is T {
  if (validate(value)) return;
  const first = validate.errors?.[0];
  const { field, reason } = first ? describe(first, schemaTitle) : { field: '(root)', reason: 'is invalid' };
  throw new SeamError('SEAM_ERR_SCHEMA_VIOLATION', `${schemaTitle}: ${field} ${reason}`, { field });
}

import { InvalidArgumentError } from 'commander';

/** Commander argParsers: a bad flag value fails at parse time with the flag named by commander. */
export function integerFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not a whole number.`);
  return n;
}

export function positiveIntegerFlag(value: string): number {
  const n = integerFlag(value);
  if (n < 1) throw new InvalidArgumentError(`"${value}" must be at least 1.`);
  return n;
}

export function numberFlag(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return n;
}

/**
 * Query-string validation for the dashboard API. Hand-written rather than a JSON schema so that a bad
 * request gets one plain sentence naming the field, which is what an operator pasting a URL needs.
 */
import { SeamError } from '../contract/index.ts';

export const MINUTE_MS = 60_000;
export const DEFAULT_MINUTES = 30;
/** One day of minutes: the chart stays readable and the per-minute query stays cheap. */
export const MAX_MINUTES = 1440;

/** A 400 answer: which query field is wrong and why. */
function badQuery(field: string, message: string): SeamError {
  return new SeamError('SEAM_ERR_BAD_QUERY', message, { field });
}

export interface OverviewQuery {
  /** Whole minutes shown, ending with the minute that contains `toMs`. */
  minutes: number;
  /** Reference instant, epoch ms; the server clock unless the caller pins it (replays, tests). */
  toMs: number;
}

export interface Window {
  minutes: number;
  /** Start of the first minute, epoch ms (inclusive). */
  fromMs: number;
  /** End of the minute containing the reference instant, epoch ms (exclusive). */
  toMs: number;
}

const KNOWN = new Set(['minutes', 'to']);
const INTEGER = /^\d{1,16}$/;

function single(query: Record<string, unknown>, field: string): string | undefined {
  const value = query[field];
  if (value === undefined) return undefined;
  // Fastify turns ?a=1&a=2 into an array; a repeated field is ambiguous, so refuse it.
  if (typeof value !== 'string') throw badQuery(field, `${field} must be given once`);
  return value;
}

/** Validates the query of /api/overview; throws SEAM_ERR_BAD_QUERY naming the first bad field. */
export function parseOverviewQuery(query: unknown, nowMs: number): OverviewQuery {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q)) {
    // A typo such as ?minute=5 would otherwise be ignored silently and show the default window.
    if (!KNOWN.has(key)) throw badQuery(key, `unknown query field "${key}"; known: minutes, to`);
  }
  let minutes = DEFAULT_MINUTES;
  const rawMinutes = single(q, 'minutes');
  if (rawMinutes !== undefined) {
    minutes = INTEGER.test(rawMinutes) ? Number(rawMinutes) : NaN;
    if (!(minutes >= 1 && minutes <= MAX_MINUTES)) {
      throw badQuery('minutes', `minutes must be an integer from 1 to ${MAX_MINUTES}, got "${rawMinutes}"`);
    }
  }
  let toMs = nowMs;
  const rawTo = single(q, 'to');
  if (rawTo !== undefined) {
    toMs = INTEGER.test(rawTo) ? Number(rawTo) : NaN;
    if (!Number.isSafeInteger(toMs)) {
      throw badQuery('to', `to must be epoch milliseconds (a non-negative integer), got "${rawTo}"`);
    }
  }
  return { minutes, toMs };
}

/** Whole minutes, so that every chart point is a complete-or-current minute bucket, never a fragment. */
export function windowFor({ minutes, toMs }: OverviewQuery): Window {
  const end = Math.floor(toMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return { minutes, fromMs: end - minutes * MINUTE_MS, toMs: end };
}

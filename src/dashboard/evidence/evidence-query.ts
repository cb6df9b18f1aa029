/**
 * Query-string validation for GET /api/evidence, in the style of ../query.ts: a bad request gets one plain
 * sentence naming the field (SEAM_ERR_BAD_QUERY, a 400), because an operator pastes these URLs by hand.
 */
import { SeamError } from '../../contract/index.ts';

const MINUTE_MS = 60_000;
/** A day, as ../query.ts MAX_MINUTES (not imported: server.ts imports this folder, which must not import back). */
const MAX_MINUTES = 1440;

/** Images are rare next to events: a day by default, so the newest few show without choosing a window. */
export const DEFAULT_EVIDENCE_MINUTES = MAX_MINUTES;
export const DEFAULT_EVIDENCE_LIMIT = 50;
/** One page of thumbnails, not a dump: `seamline evidence export` is the way to take them all. */
export const MAX_EVIDENCE_LIMIT = 500;

export interface EvidenceQuery {
  /** captured_at from (inclusive) and to (exclusive), epoch ms. */
  fromMs: number;
  toMs: number;
  /** `region/site/camera`; empty means every camera. */
  cameras: string[];
  /** Detection classes; empty means any. An image matches when one of its detections matches class and confidence. */
  classes: string[];
  minConfidence: number;
  limit: number;
}

const KNOWN = ['from', 'to', 'minutes', 'camera', 'class', 'minConfidence', 'limit'];
const INTEGER = /^\d{1,16}$/;
const CAMERA_KEY = /^[^/\s,]+\/[^/\s,]+\/[^/\s,]+$/;

function badQuery(field: string, message: string): SeamError {
  return new SeamError('SEAM_ERR_BAD_QUERY', message, { field });
}

function single(q: Record<string, unknown>, field: string): string | undefined {
  const value = q[field];
  if (value === undefined) return undefined;
  // A repeated scalar (?limit=1&limit=2) is ambiguous: refuse rather than pick one.
  if (typeof value !== 'string') throw badQuery(field, `${field} must be given once`);
  return value;
}

/** A repeatable field that also takes a comma list: ?camera=a/b/c&camera=a/b/d or ?camera=a/b/c,a/b/d. */
function list(q: Record<string, unknown>, field: string): string[] {
  const value = q[field];
  if (value === undefined) return [];
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  for (const part of parts) if (part.trim() === '') throw badQuery(field, `${field} has an empty item`);
  return [...new Set(parts.map((p) => p.trim()))];
}

function epochMs(q: Record<string, unknown>, field: string): number | undefined {
  const raw = single(q, field);
  if (raw === undefined) return undefined;
  const value = INTEGER.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw badQuery(field, `${field} must be epoch milliseconds (a non-negative integer), got "${raw}"`);
  return value;
}

function boundedInteger(q: Record<string, unknown>, field: string, min: number, max: number, fallback: number): number {
  const raw = single(q, field);
  if (raw === undefined) return fallback;
  const value = INTEGER.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw badQuery(field, `${field} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function window(q: Record<string, unknown>, nowMs: number): { fromMs: number; toMs: number } {
  const from = epochMs(q, 'from');
  const to = epochMs(q, 'to');
  if (from !== undefined && q.minutes !== undefined) throw badQuery('minutes', 'give either from or minutes, not both');
  const minutes = boundedInteger(q, 'minutes', 1, MAX_MINUTES, DEFAULT_EVIDENCE_MINUTES);
  // `to` is exclusive; by default it includes an image captured this very millisecond.
  const toMs = to ?? nowMs + 1;
  const fromMs = from ?? toMs - minutes * MINUTE_MS;
  if (fromMs >= toMs) throw badQuery('from', `from (${fromMs}) must be before to (${toMs})`);
  return { fromMs, toMs };
}

/** Validates the query of GET /api/evidence; throws SEAM_ERR_BAD_QUERY naming the first bad field. */
export function parseEvidenceQuery(query: unknown, nowMs: number): EvidenceQuery {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q)) {
    if (!KNOWN.includes(key)) throw badQuery(key, `unknown query field "${key}"; known: ${KNOWN.join(', ')}`);
  }
  const cameras = list(q, 'camera');
  for (const camera of cameras) {
    if (!CAMERA_KEY.test(camera)) throw badQuery('camera', `camera must be region/site/camera, got "${camera}"`);
  }
  const rawConfidence = single(q, 'minConfidence');
  const minConfidence = rawConfidence === undefined ? 0 : Number(rawConfidence);
  if (rawConfidence !== undefined && !(rawConfidence.trim() !== '' && minConfidence >= 0 && minConfidence <= 1)) {
    throw badQuery('minConfidence', `minConfidence must be a number from 0 to 1, got "${rawConfidence}"`);
  }
  return {
    ...window(q, nowMs),
    cameras,
    classes: list(q, 'class'),
    minConfidence,
    limit: boundedInteger(q, 'limit', 1, MAX_EVIDENCE_LIMIT, DEFAULT_EVIDENCE_LIMIT),
  };
}

import { SeamError } from '../../contract/index.ts';
import { DEFAULT_EVIDENCE_LIST, type EvidenceFilter, MAX_EVIDENCE_LIST } from './evidence-store.ts';

/** A filter every store reads the same way: cameras as a set (null: all), the time range, the limit. */
export interface CheckedFilter {
  cameras: ReadonlySet<string> | null;
  fromMs: number;
  toMs: number;
  limit: number;
}

const bad = (field: string, reason: string) => new SeamError('SEAM_ERR_BAD_QUERY', `evidence list: ${field} ${reason}`, { field });

/** Checks a list filter once, for both stores: a bad one is refused naming its field, never half-applied. */
export function checkFilter(filter: EvidenceFilter = {}): CheckedFilter {
  const limit = filter.limit ?? DEFAULT_EVIDENCE_LIST;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVIDENCE_LIST) {
    throw bad('limit', `must be an integer from 1 to ${MAX_EVIDENCE_LIST}, got ${limit}`);
  }
  for (const field of ['fromMs', 'toMs'] as const) {
    const value = filter[field];
    if (value !== undefined && !Number.isFinite(value)) throw bad(field, `must be a finite epoch ms, got ${value}`);
  }
  const fromMs = filter.fromMs ?? Number.NEGATIVE_INFINITY;
  const toMs = filter.toMs ?? Number.POSITIVE_INFINITY;
  if (fromMs > toMs) throw bad('fromMs', `${fromMs} is after toMs ${toMs}`);
  const cameras = filter.cameras && filter.cameras.length > 0 ? new Set(filter.cameras) : null;
  return { cameras, fromMs, toMs, limit };
}

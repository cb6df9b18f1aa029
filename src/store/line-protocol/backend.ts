import type { DetectionV1 } from '../../contract/index.ts';
import type { StoreReader } from '../reader.ts';

/**
 * What differs between the line-protocol servers: how to prepare them, which identities of a batch they
 * already hold (for exact write counts), and how to answer the dashboard. store/line-protocol/store.ts does the rest.
 */
export interface LineProtocolBackend extends Omit<StoreReader, 'capabilities'> {
  /** Query parameters for POST /write. */
  readonly writeQuery: Record<string, string>;
  /** Creates the database / retention policy, or checks the server answers. */
  prepare(): Promise<void>;
  /**
   * Identity keys (see eventKey) of `event` points already stored with a captured_at in [minMs, maxMs].
   * Used only to count duplicates; idempotency itself rests on the point identity, not on this read.
   */
  existing(minMs: number, maxMs: number): Promise<Set<string>>;
  /**
   * Why this server would not keep the event as sent although it would answer the write with success
   * (a retention it drops silently, a number it rounds to zero), or undefined: the store refuses such an
   * event itself rather than count it stored.
   */
  refusal(event: DetectionV1, nowMs: number): string | undefined;
  /** Writes the known-good points of the store's probe (store/line-protocol/store.ts) and leaves no trace readers count. */
  probe(lines: string[], post: (lines: string[]) => Promise<void>): Promise<void>;
}

/** The identity of an event point as a string: its identity tags and its millisecond. */
export const eventKey = (region: string, site: string, camera: string, part: string, ms: number) =>
  `${region}/${site}/${camera}/${part}/${ms}`;

/** DuckDB's quantile_cont (linear interpolation between closest ranks), for readers that fetch raw values. */
export function quantileCont(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const byCamera = <T extends { region: string; site: string; camera: string }>(a: T, b: T) =>
  a.region.localeCompare(b.region) || a.site.localeCompare(b.site) || a.camera.localeCompare(b.camera);

/**
 * How the panel queries (panel-sql.ts) pick their rows: positional parameters collected as a WHERE clause is
 * built from a panel query's window and filters, and the rollup table of the query's level.
 */
import { SeamError } from '../../contract/index.ts';
import type { PanelDialect, PanelQuery } from '../panel-reader.ts';
import { keyNames, levelFor, levelTable, type RollupTable } from '../rollups/schema.ts';

/** A filter list longer than this is refused: a URL cannot name more cameras than a plant has. */
const MAX_FILTER_VALUES = 500;

/** Positional parameters, collected as the WHERE clause is built. */
export class Params {
  readonly values: (string | number)[] = [];
  add(v: string | number): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

export function inList(p: Params, column: string, values: readonly string[] | undefined): string[] {
  if (!values || values.length === 0) return [];
  if (values.length > MAX_FILTER_VALUES) {
    throw new SeamError('SEAM_ERR_BAD_QUERY', `at most ${MAX_FILTER_VALUES} values in one filter`, { field: column });
  }
  return [`${column} IN (${values.map((v) => p.add(v)).join(', ')})`];
}

/** WHERE for a period range and the camera filters; `camera` false leaves the camera filter out. */
export function where(p: Params, q: PanelQuery, opts: { camera?: boolean; classes?: boolean; period?: string } = {}): string {
  const period = opts.period ?? 'period';
  const parts = [
    `${period} >= CAST(${p.add(q.fromMs)} AS BIGINT)`,
    `${period} < CAST(${p.add(q.toMs)} AS BIGINT)`,
    ...inList(p, 'region', q.regions),
    ...inList(p, 'site', q.sites),
    ...(opts.camera === false ? [] : inList(p, 'camera', q.cameras)),
    ...(opts.classes ? inList(p, 'class', q.classes) : []),
  ];
  return parts.join(' AND ');
}

const columnsOf = (t: RollupTable) => [...keyNames(t), ...t.measures.map((m) => m.name)];

/** The rows of rollup table `t` at the level of `stepMs`, as the store must read them (DuckDB adds its journal). */
export function levelSource(d: PanelDialect, t: RollupTable, stepMs: number): string {
  const level = levelFor(stepMs);
  return d.source(d.table(levelTable(t, level)), d.table(`${t.name}_journal`), level.ms, columnsOf(t));
}

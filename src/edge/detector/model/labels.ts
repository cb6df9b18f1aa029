import { readFileSync } from 'node:fs';
import { SeamError } from '../../../contract/index.ts';
import { parsePythonLiteral, type PyValue } from './python-literal.ts';

/**
 * Class names as detection.v1 needs them: identifiers (lowercase letters, digits, `-`, `_`, 1..64). A model's
 * "traffic light" becomes "traffic_light", "Person" becomes "person"; an empty name becomes class_<id>.
 */
export function classIdentifier(name: string, id: number): string {
  const s = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  return s === '' ? `class_${id}` : s;
}

/** Names from a parsed `names` literal: a dict {0: 'a', 1: 'b'} (Ultralytics) or a list ['a', 'b']. */
export function namesFromLiteral(value: PyValue): string[] | undefined {
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  if (!(value instanceof Map)) return undefined;
  const out: string[] = [];
  for (const [k, v] of value) {
    const id = typeof k === 'number' ? k : Number(k);
    if (!Number.isInteger(id) || id < 0 || id > 65_535 || typeof v !== 'string') return undefined;
    out[id] = v;
  }
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) return undefined;
  return out;
}

function labelsError(path: string, reason: string, cause?: unknown): SeamError {
  return new SeamError('SEAM_ERR_CONFIG', `labels file ${path} ${reason}`, { field: 'labels', cause });
}

/**
 * A --labels file: one class name per line (blank lines and lines starting with # skipped), or a Python/JSON
 * literal — `{0: 'part', 1: 'scratch'}` or `["part", "scratch"]` — as Ultralytics writes them.
 */
export function readLabelsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw labelsError(path, `cannot be read (${(cause as Error).message})`, cause);
  }
  const trimmed = text.trim();
  let names: string[] | undefined;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: PyValue;
    try {
      parsed = parsePythonLiteral(trimmed);
    } catch (cause) {
      throw labelsError(path, `is not a valid dict or list literal: ${(cause as Error).message}`, cause);
    }
    names = namesFromLiteral(parsed);
    if (!names) throw labelsError(path, 'must map ids 0..n-1 to names ({0: "a", 1: "b"}) or list names (["a", "b"])');
  } else {
    names = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  }
  if (names.length === 0) throw labelsError(path, 'names no classes');
  return names;
}

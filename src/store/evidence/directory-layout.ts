import { join } from 'node:path';
import type { EvidenceV1 } from '../../contract/index.ts';

/**
 * Where an image lives in the evidence directory:
 * `<root>/<region>/<site>/<camera>/<YYYY-MM-DD>/<captured ms>_<event_id>.jpg` and `.json` beside it, the date
 * being captured_at's UTC date. The folders let a time range of some cameras be listed by opening only the
 * days it covers; the captured ms first in the name sorts a day's images by when they were taken without
 * reading their sidecars. Region, site and camera are contract identifiers ([a-z0-9_-]), safe as folder names.
 */
export const IMAGE_EXT = '.jpg';
export const SIDECAR_EXT = '.json';

/** 13 digits hold every captured_at the contract admits (up to 2261). */
const MS_DIGITS = 13;
const NAME_RE = /^(\d{13})_([0-9a-f-]{36})\.json$/;

/** The folder beside a DuckDB file that holds its evidence: `data/seamline.duckdb` -> `data/seamline.duckdb.evidence`. */
export const evidenceDirFor = (duckdbPath: string) => `${duckdbPath}.evidence`;

export const dayOf = (capturedMs: number) => new Date(capturedMs).toISOString().slice(0, 10);

export const cameraPath = (root: string, cameraKey: string) => join(root, ...cameraKey.split('/'));

/** The path of an image without its extension; `.jpg` and `.json` complete it. */
export function basePath(root: string, header: EvidenceV1): string {
  const capturedMs = Date.parse(header.captured_at);
  const camera = `${header.region}/${header.site}/${header.camera}`;
  return join(cameraPath(root, camera), dayOf(capturedMs), `${String(capturedMs).padStart(MS_DIGITS, '0')}_${header.event_id}`);
}

/** captured ms and event_id from a sidecar's name; undefined for any other name. */
export function parseSidecarName(name: string): { capturedMs: number; eventId: string } | undefined {
  const match = NAME_RE.exec(name);
  return match ? { capturedMs: Number(match[1]), eventId: match[2] } : undefined;
}

/** A day folder's name (`YYYY-MM-DD`); anything else under a camera is not ours and is left alone. */
export const isDayName = (name: string) => /^\d{4}-\d{2}-\d{2}$/.test(name);

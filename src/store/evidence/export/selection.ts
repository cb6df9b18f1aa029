import type { EvidenceV1 } from '../../../contract/index.ts';
import { type EvidenceEntry, type EvidenceStore, MAX_EVIDENCE_LIST } from '../evidence-store.ts';
import { newestEntries } from '../newest-entries.ts';

/** Which images an export takes (docs/evidence.md, "Export"). Absent fields select everything. */
export interface ExportFilter {
  /** `region/site/camera`; every camera when absent or empty. */
  cameras?: readonly string[];
  /** Classes exported; every class of the selected images when absent or empty. */
  classes?: readonly string[];
  /** A detection qualifies from this confidence (inclusive)... */
  minConfidence?: number;
  /** ...up to this one (exclusive; 1 includes 1). */
  maxConfidence?: number;
  /** captured_at from (inclusive) and to (exclusive), epoch ms. */
  fromMs?: number;
  toMs?: number;
  /** The header's model name and version; an image whose header names no model matches neither. */
  model?: string;
  modelVersion?: string;
}

type Detection = EvidenceV1['detections'][number];

/** True when the detection is of an exported class and inside the confidence band. */
export function detectionMatches(d: Detection, f: ExportFilter): boolean {
  if (f.classes && f.classes.length > 0 && !f.classes.includes(d.class)) return false;
  if (f.minConfidence !== undefined && d.confidence < f.minConfidence) return false;
  if (f.maxConfidence !== undefined && d.confidence >= f.maxConfidence && !(f.maxConfidence === 1 && d.confidence === 1)) return false;
  return true;
}

/**
 * True when an image goes into the export: its model matches (when asked for) and at least one of its
 * detections is of an exported class inside the confidence band. Cameras and time are the store's to filter.
 */
export function imageMatches(header: EvidenceV1, f: ExportFilter): boolean {
  if (f.model !== undefined && header.model?.name !== f.model) return false;
  if (f.modelVersion !== undefined && header.model?.version !== f.modelVersion) return false;
  return header.detections.some((d) => detectionMatches(d, f));
}

/** Every image of the cameras and time range, each once, newest first: a full page of one millisecond is refused. */
export function allEntries(
  store: EvidenceStore,
  f: Pick<ExportFilter, 'cameras' | 'fromMs' | 'toMs'>,
  pageSize = MAX_EVIDENCE_LIST,
): AsyncGenerator<EvidenceEntry> {
  return newestEntries(store, f, () => pageSize, 'refuse');
}

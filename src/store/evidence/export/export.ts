import { resolve } from 'node:path';
import { sha256Hex, UUIDV7_PATTERN, type EvidenceV1 } from '../../../contract/index.ts';
import type { EvidenceStore } from '../evidence-store.ts';
import { prepareFolder, splitOf, writeDataYaml, writeItem, writeManifest } from './dataset.ts';
import { classMap, labelFile, type ClassMap } from './labels.ts';
import { allEntries, imageMatches, type ExportFilter } from './selection.ts';

export interface ExportOptions {
  /** The dataset folder: created when missing; refused when not empty unless `overwrite`. */
  out: string;
  filter: ExportFilter;
  /** Fraction of the images in the validation split, 0 <= f < 1, chosen by event_id (dataset.ts splitOf). */
  valFraction: number;
  overwrite: boolean;
  /** What the images came from, for the manifest (a redacted URL or a folder). */
  source?: string;
  /** Images per list() call (default and at most MAX_EVIDENCE_LIST); small in tests, to page. */
  pageSize?: number;
  /** Called while reading the store and while writing, at most every `progressEvery` images. */
  onProgress?: (p: ExportProgress) => void;
  progressEvery?: number;
}

export interface ExportProgress {
  phase: 'scan' | 'write';
  done: number;
  /** Images selected, known once the scan is over (write phase). */
  of?: number;
}

export interface ExportSummary {
  out: string;
  /** Images the store listed for the cameras and time range, and those that matched the other filters. */
  scanned: number;
  selected: number;
  /** Of the scanned, those whose header names a model (a model filter matches no other). */
  scannedWithModel: number;
  images: number;
  train: number;
  val: number;
  masked: number;
  boxes: number;
  /** Boxes of exported classes wholly outside their frame: no label line. */
  boxesOutsideFrame: number;
  /** Listed, then gone before its bytes were read (retention ran meanwhile). */
  gone: number;
  /** Bytes that do not match the header's SHA-256, or an event_id that is no UUIDv7 (never a file name then): not exported. */
  corrupt: number;
  classes: ClassMap;
  perClass: Record<string, { images: number; boxes: number }>;
}

async function scan(store: EvidenceStore, o: ExportOptions, s: ExportSummary): Promise<EvidenceV1[]> {
  const selected: EvidenceV1[] = [];
  const every = o.progressEvery ?? 1000;
  for await (const { header } of allEntries(store, o.filter, o.pageSize)) {
    s.scanned++;
    if (header.model) s.scannedWithModel++;
    if (imageMatches(header, o.filter)) selected.push(header);
    if (s.scanned % every === 0) o.onProgress?.({ phase: 'scan', done: s.scanned });
  }
  s.selected = selected.length;
  return selected;
}

/** Every class of the selected images' boxes when no class was asked for; else the classes asked for. */
function exportedClasses(selected: EvidenceV1[], f: ExportFilter): Set<string> {
  if (f.classes && f.classes.length > 0) return new Set(f.classes);
  return new Set(selected.flatMap((h) => h.detections.map((d) => d.class)));
}

const EVENT_ID = new RegExp(UUIDV7_PATTERN);

async function writeOne(store: EvidenceStore, header: EvidenceV1, o: ExportOptions, s: ExportSummary): Promise<void> {
  if (!EVENT_ID.test(header.event_id)) return void s.corrupt++;
  const stored = await store.get(header.event_id);
  if (!stored) return void s.gone++;
  if (sha256Hex(stored.image) !== stored.header.image.sha256) return void s.corrupt++;
  const split = splitOf(header.event_id, o.valFraction);
  const labels = labelFile(stored.header, s.classes);
  await writeItem(o.out, split, header.event_id, stored.image, labels.text);
  s.images++;
  s[split]++;
  if (stored.header.masked) s.masked++;
  s.boxes += labels.lines;
  s.boxesOutsideFrame += labels.outside;
  const seen = new Set<string>();
  for (const d of stored.header.detections) {
    if (!s.classes.idOf.has(d.class)) continue;
    const c = (s.perClass[d.class] ??= { images: 0, boxes: 0 });
    c.boxes++;
    if (!seen.has(d.class)) c.images++;
    seen.add(d.class);
  }
}

/**
 * Writes the images of `store` that the filter selects as a YOLO detection dataset (docs/evidence.md,
 * "Export"): images/{train,val}/<event_id>.jpg byte for byte as stored, labels/{train,val}/<event_id>.txt,
 * data.yaml, and export.json (the filters and counts, written last). Reads the store only.
 */
export async function exportDataset(store: EvidenceStore, o: ExportOptions): Promise<ExportSummary> {
  await prepareFolder(o.out, o.overwrite);
  const s: ExportSummary = {
    out: resolve(o.out),
    scanned: 0,
    selected: 0,
    scannedWithModel: 0,
    images: 0,
    train: 0,
    val: 0,
    masked: 0,
    boxes: 0,
    boxesOutsideFrame: 0,
    gone: 0,
    corrupt: 0,
    classes: { names: [], idOf: new Map(), source: 'sorted' },
    perClass: {},
  };
  const selected = await scan(store, o, s);
  s.classes = classMap(selected, exportedClasses(selected, o.filter));
  const every = o.progressEvery ?? 1000;
  for (const header of selected) {
    await writeOne(store, header, o, s);
    const done = s.images + s.gone + s.corrupt;
    if (done % every === 0) o.onProgress?.({ phase: 'write', done, of: selected.length });
  }
  await writeDataYaml(o.out, s.classes, o.valFraction);
  await writeManifest(o.out, manifestOf(s, o));
  return s;
}

function manifestOf(s: ExportSummary, o: ExportOptions): unknown {
  const f = o.filter;
  const time = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    format: 'yolo-detect',
    exported_at: new Date().toISOString(),
    source: o.source ?? null,
    filter: {
      cameras: f.cameras ?? [],
      classes: f.classes ?? [],
      min_confidence: f.minConfidence ?? null,
      max_confidence: f.maxConfidence ?? null,
      from: time(f.fromMs),
      to: time(f.toMs),
      model: f.model ?? null,
      model_version: f.modelVersion ?? null,
    },
    split: { val: o.valFraction, by: 'sha256(event_id)' },
    class_ids: s.classes.source,
    names: Object.fromEntries(s.classes.names.map((n, i) => [i, n])),
    counts: {
      scanned: s.scanned,
      selected: s.selected,
      images: s.images,
      train: s.train,
      val: s.val,
      masked: s.masked,
      boxes: s.boxes,
      boxes_outside_frame: s.boxesOutsideFrame,
      gone: s.gone,
      corrupt: s.corrupt,
    },
    per_class: s.perClass,
  };
}

import { existsSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Command } from 'commander';
import { isSeamError, SeamError } from '../../contract/index.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import { duckdbPath, type StoreConfig } from '../../store/config.ts';
import { evidenceDirFor } from '../../store/evidence/directory-layout.ts';
import type { ExportSummary } from '../../store/evidence/export/export.ts';
import type { ExportFilter } from '../../store/evidence/export/selection.ts';
import { configFromFlags } from '../config/config-file.ts';
import { numberFlag, readOnlyStoreFlag, timeFlag } from '../config/flags.ts';
/**
 * `seamline evidence export`: its options schema (here rather than in cli/config/, which is at its 15 files),
 * its flags, and the run. The dataset itself is written by src/store/evidence/export/.
 */
const ID = '[a-z0-9_-]{1,64}';

/** Everything `seamline evidence export` can be told, by flag or by config file (flags win). */
export const EvidenceExportConfigSchema = Type.Object(
  {
    out: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'The dataset folder (required): created when missing, refused when not empty unless overwrite.',
      }),
    ),
    store: Type.String({
      minLength: 1,
      description: 'The detection store whose evidence to read: a DuckDB file (the folder beside it) or postgres://... (docs/stores.md).',
    }),
    evidenceDir: Type.Optional(Type.String({ minLength: 1, description: 'Read the images from this folder whatever the store.' })),
    camera: Type.Optional(
      Type.Array(Type.String({ pattern: `^${ID}/${ID}/${ID}$` }), {
        description: 'Only these cameras, as region/site/camera.',
        'x-reason': 'must be region/site/camera: lowercase letters, digits, - and _',
      }),
    ),
    class: Type.Optional(
      Type.Array(Type.String({ pattern: `^${ID}$` }), {
        description: 'Only these classes: an image goes in when it has one; its labels list only these.',
        'x-reason': 'must be class names: lowercase letters, digits, - and _',
      }),
    ),
    minConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'A detection counts from this score (inclusive).' })),
    maxConfidence: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'A detection counts below this score (exclusive; 1 includes 1).' }),
    ),
    from: Type.Optional(Type.String({ minLength: 1, description: 'Captured at or after: an ISO time, or a duration back from now (7d).' })),
    to: Type.Optional(Type.String({ minLength: 1, description: 'Captured before: an ISO time, or a duration back from now.' })),
    model: Type.Optional(Type.String({ minLength: 1, description: "Only images whose header names this model (the event's model.name)." })),
    modelVersion: Type.Optional(
      Type.String({ minLength: 1, description: "Only images of this model version (the event's model.version)." }),
    ),
    split: Type.String({
      pattern: '^val=(0(\\.[0-9]+)?|\\.[0-9]+)$',
      description: 'The validation fraction, val=F with 0 <= F < 1; by event_id, the same in every export.',
      'x-reason': 'must be val=F with F from 0 up to (not including) 1, e.g. val=0.2',
    }),
    overwrite: Type.Boolean({ description: 'Replace the images/, labels/, data.yaml and export.json of a previous export in out.' }),
  },
  { additionalProperties: false, title: 'seamline evidence export config' },
);

export type EvidenceExportConfig = Static<typeof EvidenceExportConfigSchema>;

export const EXPORT_DEFAULTS: EvidenceExportConfig = { store: './data/seamline.duckdb', split: 'val=0.2', overwrite: false };

export interface ExportSelection {
  out: string;
  store: StoreConfig;
  filter: ExportFilter;
  valFraction: number;
}

/**
 * The store, the filter and the split a valid config asks for; run as configFromFlags' check, so that a
 * refusal names the flag as typed (`--from yesterday must be an ISO 8601 time ...`).
 */
export function exportSelection(c: EvidenceExportConfig, nowMs = Date.now()): ExportSelection {
  if (c.out === undefined) {
    throw new SeamError('SEAM_ERR_CONFIG', '--out is required: the folder to write the dataset to', { field: 'flags' });
  }
  const fromMs = timeFlag(c.from, 'from', nowMs);
  const toMs = timeFlag(c.to, 'to', nowMs);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    throw new SeamError('SEAM_ERR_CONFIG', `is not before --to ${c.to}: nothing could match`, { field: 'from' });
  }
  if (c.minConfidence !== undefined && c.maxConfidence !== undefined && c.minConfidence >= c.maxConfidence) {
    throw new SeamError('SEAM_ERR_CONFIG', `is not below --max-confidence ${c.maxConfidence}: nothing could match`, {
      field: 'minConfidence',
    });
  }
  const valFraction = Number(c.split.slice('val='.length));
  if (!(valFraction < 1))
    throw new SeamError('SEAM_ERR_CONFIG', 'must leave images to train on: use val=F with F below 1', { field: 'split' });
  const store = readOnlyStoreFlag(c.store);
  const filter: ExportFilter = {
    cameras: c.camera,
    classes: c.class,
    minConfidence: c.minConfidence,
    maxConfidence: c.maxConfidence,
    fromMs,
    toMs,
    model: c.model,
    modelVersion: c.modelVersion,
  };
  return { out: c.out, store, filter, valFraction };
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);

/** A repeatable flag that also takes a comma-separated list: `--class crack --class dent` or `--class crack,dent`. */
const many = (value: string, previous: string[] | undefined) => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];

/** What the images are read from, for the manifest and the messages: the folder, or the redacted URL. */
function sourceOf(c: EvidenceExportConfig, sel: ExportSelection): { source: string; folder?: string } {
  if (c.evidenceDir) return { source: c.evidenceDir, folder: c.evidenceDir };
  if (sel.store.kind === 'duckdb') {
    const folder = evidenceDirFor(duckdbPath(sel.store));
    return { source: folder, folder };
  }
  return { source: redactUrl(c.store) };
}

function printSummary(s: ExportSummary, c: EvidenceExportConfig, folder: string | undefined): void {
  out(`exported ${s.images} image(s) (${s.train} train, ${s.val} val; ${s.masked} masked) with ${s.boxes} box(es) to ${s.out}`);
  for (const [name, n] of Object.entries(s.perClass).sort(([a], [b]) => (a < b ? -1 : 1))) {
    out(`  ${name.padEnd(24)} ${String(n.boxes).padStart(8)} box(es) in ${n.images} image(s)`);
  }
  const names = s.classes.names.map((n, i) => `${i} ${n}`).join(', ');
  out(`class ids: ${s.classes.source === 'model' ? "the model's" : 'the names sorted'} (data.yaml names: ${names || 'none'})`);
  if (s.images === 0) {
    const where = folder && !existsSync(folder) ? ` (there is no folder ${folder}: is --store or --evidence-dir right?)` : '';
    note(`no image matched: the store listed ${s.scanned} image(s) for the cameras and time range${where}`);
  }
  if ((c.model !== undefined || c.modelVersion !== undefined) && s.scannedWithModel === 0 && s.scanned > 0) {
    note(`none of the ${s.scanned} image(s) listed names its model (captured before images carried it, or by an input that names none)`);
  }
  if (s.boxesOutsideFrame > 0) note(`${s.boxesOutsideFrame} box(es) wholly outside their frame have no label line`);
  if (s.gone > 0) note(`${s.gone} image(s) were removed by retention between listing and reading: not exported`);
  if (s.corrupt > 0) note(`${s.corrupt} image(s) do not match their SHA-256: not exported`);
}

async function runExport(c: EvidenceExportConfig, sel: ExportSelection): Promise<void> {
  // The stores are loaded when the export runs, not for --help or a flag error.
  const [{ createEvidenceStore }, { exportDataset }] = await Promise.all([
    import('../../store/registry/registry.ts'),
    import('../../store/evidence/export/export.ts'),
  ]);
  const evidence = await createEvidenceStore(sel.store, { dir: c.evidenceDir, readOnly: true });
  if (!evidence) {
    throw new SeamError('SEAM_ERR_CONFIG', `${c.store} keeps no evidence images: name their folder with --evidence-dir`, {
      field: 'store',
    });
  }
  const { source, folder } = sourceOf(c, sel);
  await evidence.open();
  let summary: ExportSummary;
  try {
    summary = await exportDataset(evidence, {
      out: sel.out,
      filter: sel.filter,
      valFraction: sel.valFraction,
      overwrite: c.overwrite,
      source,
      onProgress: (p) => note(p.phase === 'scan' ? `export: ${p.done} image(s) listed` : `export: ${p.done} of ${p.of} image(s) written`),
    });
  } catch (err) {
    // The dataset folder's refusals name the flag it came from.
    if (isSeamError(err, 'SEAM_ERR_CONFIG') && err.field === 'out') {
      throw new SeamError('SEAM_ERR_CONFIG', `--out ${err.message}`, { field: 'out', cause: err });
    }
    throw err;
  } finally {
    await evidence.close();
  }
  printSummary(summary, c, folder);
}

function exportCommand(): Command {
  const d = EXPORT_DEFAULTS;
  return new Command('export')
    .summary('write evidence images and their boxes as a YOLO dataset (Ultralytics), to correct and train on')
    .description(
      'Write the stored images that match the filters as a YOLO detection dataset: images/{train,val}/<event_id>.jpg ' +
        'byte for byte as stored, labels/{train,val}/<event_id>.txt (`class cx cy w h`, normalised), data.yaml (the ' +
        'class names) and export.json (filters and counts). An image goes in when one of its boxes is of a --class ' +
        'and inside the confidence band; its label file lists every box of the exported classes. Reads the store only ' +
        '(a consumer may keep running). Progress on stderr (docs/evidence.md#export-a-yolo-dataset).',
    )
    .option('-c, --config <file>', 'JSON config file; flags override it')
    .option('--out <dir>', 'the dataset folder (required); must be empty unless --overwrite')
    .option('--store <url>', `a DuckDB file (its images are in the folder beside it) or postgres://... (default ${d.store})`)
    .option('--evidence-dir <dir>', 'read the images from this folder whatever the store')
    .option('--camera <region/site/camera>', 'only this camera; repeat or comma-separate for several', many)
    .option('--class <name>', 'only images with a box of this class, and only its boxes in the labels; repeat or comma-separate', many)
    .option('--min-confidence <x>', 'a box counts from this score, inclusive (e.g. 0.25)', numberFlag)
    .option('--max-confidence <y>', 'a box counts below this score, exclusive (e.g. 0.5 for the uncertain ones)', numberFlag)
    .option('--from <when>', 'captured at or after: an ISO time (2026-12-01T06:00:00Z) or a duration back from now (7d)')
    .option('--to <when>', 'captured before: an ISO time or a duration back from now')
    .option('--model <name>', "only images whose header names this model (images that name none don't match)")
    .option('--model-version <v>', 'only images of this model version')
    .option('--split <val=F>', `validation fraction, chosen by event_id so it is the same in every export (default ${d.split})`)
    .option('--overwrite', 'replace a previous export in --out (its images/, labels/, data.yaml, export.json; nothing else)')
    .action(async (flags: Record<string, unknown> & { config?: string }) => {
      let selection: ExportSelection | undefined;
      const c = configFromFlags<EvidenceExportConfig>(EvidenceExportConfigSchema, EXPORT_DEFAULTS, flags, (v) => {
        selection = exportSelection(v);
      });
      await runExport(c, selection!);
    });
}

export function evidenceCommand(): Command {
  const command = new Command('evidence').description('The images the consumer keeps behind the detections (docs/evidence.md).');
  command.addCommand(exportCommand());
  // Usage errors of the subcommands go through the same coded refusal as every other command (program.ts).
  for (const sub of command.commands) sub.exitOverride().configureOutput({ outputError: () => {} });
  return command;
}

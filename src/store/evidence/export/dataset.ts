import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SeamError } from '../../../contract/index.ts';
import type { ClassMap } from './labels.ts';

export type Split = 'train' | 'val';

/** What an export writes in its folder, and all that `overwrite` removes: anything else there is left alone. */
export const DATASET_ENTRIES = ['images', 'labels', 'data.yaml', 'export.json'] as const;

/**
 * The dataset folder, ready to be written: created when missing; a folder with anything in it is refused
 * (naming --out) unless `overwrite`, which removes what an export writes (DATASET_ENTRIES) and nothing else.
 */
export async function prepareFolder(out: string, overwrite: boolean): Promise<void> {
  let present: string[];
  try {
    present = await readdir(out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new SeamError('SEAM_ERR_CONFIG', `${out} is a file, not a folder`, { field: 'out' });
    if (code !== 'ENOENT') throw new SeamError('SEAM_ERR_CONFIG', `cannot read ${out}: ${(err as Error).message}`, { field: 'out' });
    present = [];
  }
  if (present.length > 0 && !overwrite) {
    throw new SeamError('SEAM_ERR_CONFIG', `${out} is not empty (${present.length} entries): choose an empty folder, or add --overwrite`, {
      field: 'out',
    });
  }
  try {
    for (const entry of DATASET_ENTRIES) await rm(join(out, entry), { recursive: true, force: true });
    for (const kind of ['images', 'labels']) {
      for (const split of ['train', 'val']) await mkdir(join(out, kind, split), { recursive: true });
    }
  } catch (err) {
    throw new SeamError('SEAM_ERR_CONFIG', `cannot write ${out}: ${(err as Error).message}`, { field: 'out' });
  }
}

/**
 * train or val by the event_id alone (the first 32 bits of its SHA-256 as a fraction below `valFraction`):
 * the same image lands in the same split in every export, so a later, larger export never moves an image
 * the model trained on into its validation set.
 */
export function splitOf(eventId: string, valFraction: number): Split {
  const u = createHash('sha256').update(eventId).digest().readUInt32BE(0) / 2 ** 32;
  return u < valFraction ? 'val' : 'train';
}

/** One image, byte for byte as stored, and its label file (empty for an image with no box of an exported class). */
export async function writeItem(out: string, split: Split, eventId: string, image: Buffer, labels: string): Promise<void> {
  await writeFile(join(out, 'images', split, `${eventId}.jpg`), image);
  await writeFile(join(out, 'labels', split, `${eventId}.txt`), labels);
}

/**
 * data.yaml as Ultralytics reads it: `path` the folder (absolute; moving the folder means editing it, or
 * deleting the line so Ultralytics takes the YAML file's own folder), `train` and `val` under it, `names`
 * id -> name. Strings are double-quoted: PyYAML reads a bare `yes`, `no`, `on` or `off` as a boolean.
 * With no validation fraction `val` names the training images (Ultralytics needs a val set).
 */
export async function writeDataYaml(out: string, classes: ClassMap, valFraction: number): Promise<string> {
  const data = {
    path: resolve(out),
    train: 'images/train',
    val: valFraction > 0 ? 'images/val' : 'images/train',
    names: new Map(classes.names.map((name, id) => [id, name])),
  };
  const text =
    '# Written by seamline evidence export (docs/evidence.md): YOLO detection dataset, labels `class cx cy w h` normalised\n' +
    stringify(data, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  await writeFile(join(out, 'data.yaml'), text);
  return text;
}

/** export.json, written last: a folder without it is an export that did not finish. */
export async function writeManifest(out: string, manifest: unknown): Promise<void> {
  await writeFile(join(out, 'export.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

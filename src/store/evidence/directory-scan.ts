import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIfThere, syncDirectory, TEMP_SUFFIX } from './durable-file.ts';
import { IMAGE_EXT, isDayName, parseSidecarName, SIDECAR_EXT } from './directory-layout.ts';
import type { EvidenceIndex, IndexEntry } from './directory-index.ts';

/** What a walk found and, when cleaning, removed: leftovers of writes a crash cut short. */
export interface ScanReport {
  daysRead: number;
  leftoversRemoved: number;
}

const listDir = async (dir: string) => {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
};

const subfolders = async (dir: string) => (await listDir(dir)).filter((d) => d.isDirectory()).map((d) => d.name);

/**
 * Brings `index` up to date with the directory: every day folder whose mtime changed since it was last read
 * (adding or removing a name changes it) is read again; the others are not opened. With `clean` (only the
 * one process that writes, at open) the leftovers of an interrupted put are removed: temporary files, an
 * image whose sidecar never got its name (the sidecar is renamed last, so it marks a whole image), a
 * sidecar whose image a crash mid-prune already removed.
 */
export async function scanDirectory(root: string, index: EvidenceIndex, clean: boolean): Promise<ScanReport> {
  const report: ScanReport = { daysRead: 0, leftoversRemoved: 0 };
  const seen = new Set<string>();
  for (const region of await subfolders(root)) {
    for (const site of await subfolders(join(root, region))) {
      for (const camera of await subfolders(join(root, region, site))) {
        const cameraKey = `${region}/${site}/${camera}`;
        for (const day of (await subfolders(join(root, region, site, camera))).filter(isDayName)) {
          seen.add(`${cameraKey}/${day}`);
          const dir = join(root, region, site, camera, day);
          const { mtimeMs } = await stat(dir);
          if (!clean && index.day(cameraKey, day)?.mtimeMs === mtimeMs) continue;
          const entries = await readDay(dir, cameraKey, day, clean ? report : undefined);
          // Read the mtime after cleaning, so our own removals do not make the day look changed next time.
          index.replaceDay(cameraKey, day, clean ? (await stat(dir)).mtimeMs : mtimeMs, entries);
          report.daysRead++;
        }
      }
    }
  }
  for (const camera of index.cameras()) {
    for (const day of index.days(camera)) if (!seen.has(`${camera}/${day}`)) index.dropDay(camera, day);
  }
  return report;
}

async function readDay(dir: string, camera: string, day: string, cleaning: ScanReport | undefined): Promise<IndexEntry[]> {
  const names = new Set((await listDir(dir)).filter((d) => d.isFile()).map((d) => d.name));
  const entries: IndexEntry[] = [];
  const leftovers: string[] = [];
  for (const name of names) {
    if (name.endsWith(TEMP_SUFFIX)) {
      leftovers.push(name);
    } else if (name.endsWith(IMAGE_EXT) && !names.has(name.slice(0, -IMAGE_EXT.length) + SIDECAR_EXT)) {
      leftovers.push(name);
    } else if (name.endsWith(SIDECAR_EXT)) {
      const parsed = parseSidecarName(name);
      if (!parsed) continue;
      const base = join(dir, name.slice(0, -SIDECAR_EXT.length));
      const image = await stat(base + IMAGE_EXT).catch(() => undefined);
      if (!image) leftovers.push(name);
      else entries.push({ ...parsed, camera, day, bytes: image.size, base });
    }
  }
  // A reader in another process never removes anything: what looks half-written may be a put under way.
  if (cleaning && leftovers.length > 0) {
    for (const name of leftovers) await removeIfThere(join(dir, name));
    await syncDirectory(dir);
    cleaning.leftoversRemoved += leftovers.length;
  }
  return entries;
}

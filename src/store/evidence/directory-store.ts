import { mkdir, readFile, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Evidence, EvidenceV1 } from '../../contract/index.ts';
import { removeIfThere, syncDirectory, writeWhole } from './durable-file.ts';
import { EvidenceIndex, type IndexEntry } from './directory-index.ts';
import { basePath, dayOf, IMAGE_EXT, SIDECAR_EXT } from './directory-layout.ts';
import { scanDirectory } from './directory-scan.ts';
import { checkFilter } from './evidence-filter.ts';
import type { EvidenceEntry, EvidenceFilter, EvidenceRetention, EvidenceStore, EvidenceTotals, ImageStreamGaps } from './evidence-store.ts';
import { fsError } from './fs-errors.ts';
import { IMAGE_SEQS_FILE, ImageSeqs } from './image-seqs.ts';
import { listNewest } from './directory-list.ts';
import { SidecarCache } from './sidecar-cache.ts';

/** Sidecars read at once by `list`. */
const READ_AHEAD = 16;

export interface DirectoryEvidenceStoreOptions {
  /** The folder (created when missing); beside the DuckDB file by default: directory-layout.ts evidenceDirFor. */
  dir: string;
  /**
   * Only read (the dashboard, the export): never removes leftovers, and reads again the day folders another
   * process changed before answering. One process writes a directory, as one process writes a DuckDB file.
   */
  readOnly?: boolean;
  logger?: Logger;
  /** Islands of received image numbers kept per stream (image-seqs.ts), default 1,000. */
  maxSeqIslands?: number;
}

/** The sidecar beside each image: the header exactly as it arrived, and when this consumer received it. */
interface Sidecar {
  header: EvidenceV1;
  received_at: string;
}

/**
 * The embedded evidence store: one JPEG per event in a folder per camera and UTC day, its header in a JSON
 * sidecar (directory-layout.ts). A put writes the image, then the sidecar, each to a temporary file that is
 * fsync'd and renamed, and the folder fsync'd after each rename: the sidecar's name exists only once the
 * whole image does, so after a crash there is a whole image or none, and open() removes what a cut-short
 * put left. Duplicates, totals and prune run from an index of the folder read at open. The images' edge
 * stream numbers (image_stream) are counted apart, in one file beside the camera folders (image-seqs.ts).
 */
export class DirectoryEvidenceStore implements EvidenceStore {
  readonly name = 'evidence-directory';
  private readonly index = new EvidenceIndex();
  private readonly writing = new Map<string, Promise<unknown>>();
  private readonly sidecars = new SidecarCache<Sidecar>();
  private readonly log: Logger;
  private readonly seqs: ImageSeqs;
  private opened = false;

  constructor(private readonly options: DirectoryEvidenceStoreOptions) {
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'evidence-directory' });
    this.seqs = new ImageSeqs(options.dir, this.log, options.maxSeqIslands);
  }

  async open(): Promise<void> {
    const { dir, readOnly } = this.options;
    try {
      if (!readOnly) await mkdir(dir, { recursive: true });
      const report = await scanDirectory(dir, this.index, !readOnly);
      if (report.leftoversRemoved > 0) this.log.warn({ removed: report.leftoversRemoved, dir }, 'removed what interrupted writes left');
      await this.seqs.load(!readOnly);
    } catch (err) {
      throw fsError('opening', dir, err);
    }
    this.opened = true;
  }

  async put(evidence: Evidence, receivedAt: Date): Promise<'stored' | 'duplicate'> {
    const id = evidence.header.event_id;
    // The same event twice at once (a redelivery racing its original): the second waits and is a duplicate.
    for (let under = this.writing.get(id); under; under = this.writing.get(id)) await under.catch(() => {});
    if (this.index.get(id)) {
      // Stored, but perhaps not counted: a crash between the image and the numbers file left it unacknowledged.
      await this.noteSeq(evidence);
      return 'duplicate';
    }
    const writing = this.write(evidence, receivedAt);
    this.writing.set(id, writing);
    try {
      await writing;
      return 'stored';
    } finally {
      this.writing.delete(id);
    }
  }

  private async write({ header, image }: Evidence, receivedAt: Date): Promise<void> {
    const base = basePath(this.options.dir, header);
    const dir = dirname(base);
    const sidecar: Sidecar = { header, received_at: receivedAt.toISOString() };
    try {
      const created = await mkdir(dir, { recursive: true });
      // New folders are names in their parents: make those durable too, or a crash could lose the whole day.
      if (created) for (let d = dir; d.length >= created.length; d = dirname(d)) await syncDirectory(dirname(d));
      await writeWhole(base + IMAGE_EXT, image);
      await syncDirectory(dir);
      await writeWhole(base + SIDECAR_EXT, Buffer.from(JSON.stringify(sidecar)));
      await syncDirectory(dir);
    } catch (err) {
      throw fsError('writing', base + IMAGE_EXT, err);
    }
    const capturedMs = Date.parse(header.captured_at);
    const camera = `${header.region}/${header.site}/${header.camera}`;
    this.index.add({ eventId: header.event_id, camera, day: dayOf(capturedMs), capturedMs, bytes: image.byteLength, base });
    await this.noteSeq({ header, image });
  }

  private async noteSeq({ header }: Evidence): Promise<void> {
    try {
      await this.seqs.note(header);
    } catch (err) {
      throw fsError('writing', join(this.options.dir, IMAGE_SEQS_FILE), err);
    }
  }

  async imageGaps(): Promise<ImageStreamGaps[]> {
    if (this.options.readOnly) {
      if (!this.opened) await this.open();
      try {
        await this.seqs.load(false);
      } catch (err) {
        throw fsError('reading', join(this.options.dir, IMAGE_SEQS_FILE), err);
      }
    }
    return this.seqs.gaps();
  }

  async get(eventId: string): Promise<(Evidence & { receivedAt: Date }) | null> {
    let entry = this.index.get(eventId);
    if (!entry && this.options.readOnly) entry = (await this.refresh()).get(eventId);
    if (!entry) return null;
    try {
      const [sidecar, image] = await Promise.all([this.sidecarOf(entry), readFile(entry.base + IMAGE_EXT)]);
      return { header: sidecar.header, image, receivedAt: new Date(sidecar.received_at) };
    } catch (err) {
      // Pruned by the writer since this reader last looked.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw fsError('reading', entry.base, err);
    }
  }

  async list(filter?: EvidenceFilter): Promise<EvidenceEntry[]> {
    const checked = checkFilter(filter);
    const index = this.options.readOnly ? await this.refresh() : this.index;
    const chosen = listNewest(index, checked);
    const out: EvidenceEntry[] = [];
    // A few reads at a time, in order: a page of headers is hundreds of small files.
    for (let i = 0; i < chosen.length; i += READ_AHEAD) {
      const read = await Promise.all(chosen.slice(i, i + READ_AHEAD).map((entry) => this.sidecarIfThere(entry)));
      for (const sidecar of read) if (sidecar) out.push({ header: sidecar.header, receivedAt: new Date(sidecar.received_at) });
    }
    return out;
  }

  async prune(retention: EvidenceRetention, nowMs: number): Promise<EvidenceTotals> {
    const removed: EvidenceTotals = { images: 0, bytes: 0 };
    const cutoff = retention.maxAgeMs === undefined ? Number.NEGATIVE_INFINITY : nowMs - retention.maxAgeMs;
    const touched = new Set<string>();
    for (const entry of this.index.oldestFirst()) {
      const tooOld = entry.capturedMs < cutoff;
      const tooMuch = retention.maxBytes !== undefined && this.index.totals.bytes > retention.maxBytes;
      if (!tooOld && !tooMuch) break;
      await this.remove(entry);
      touched.add(dirname(entry.base));
      removed.images++;
      removed.bytes += entry.bytes;
    }
    for (const dir of touched) await this.tidy(dir);
    return removed;
  }

  /**
   * Makes a prune's removals durable, and drops a day folder it emptied, so months of retention do not leave
   * thousands of empty folders. Not while a put is under way: it may be about to write into that folder.
   */
  private async tidy(dir: string): Promise<void> {
    await syncDirectory(dir).catch(() => {});
    if (this.writing.size === 0) await rmdir(dir).catch(() => {}); // ENOTEMPTY: it still holds images
  }

  /** Sidecar first: once it is gone the image is no longer stored, whatever happens before the image goes. */
  private async remove(entry: IndexEntry): Promise<void> {
    try {
      await removeIfThere(entry.base + SIDECAR_EXT);
      await removeIfThere(entry.base + IMAGE_EXT);
    } catch (err) {
      throw fsError('removing', entry.base, err);
    }
    this.index.remove(entry);
  }

  async stats(): Promise<EvidenceTotals> {
    const totals = (this.options.readOnly ? await this.refresh() : this.index).totals;
    return { ...totals };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.writing.values()]);
    this.opened = false;
  }

  private async sidecarOf(entry: IndexEntry): Promise<Sidecar> {
    const cached = this.sidecars.get(entry.base);
    if (cached) return cached;
    const sidecar = JSON.parse(await readFile(entry.base + SIDECAR_EXT, 'utf8')) as Sidecar;
    this.sidecars.set(entry.base, sidecar);
    return sidecar;
  }

  /** The sidecar, or undefined when the writer pruned the image since the index was read. */
  private async sidecarIfThere(entry: IndexEntry): Promise<Sidecar | undefined> {
    try {
      return await this.sidecarOf(entry);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError('reading', entry.base, err);
    }
  }

  /** A reader's view: the day folders another process changed are read again. */
  private async refresh(): Promise<EvidenceIndex> {
    if (!this.opened) await this.open();
    try {
      await scanDirectory(this.options.dir, this.index, false);
    } catch (err) {
      throw fsError('reading', this.options.dir, err);
    }
    return this.index;
  }
}

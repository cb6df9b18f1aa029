import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EvidenceV1 } from '../../contract/index.ts';
import { removeIfThere, syncDirectory, TEMP_SUFFIX, writeWhole } from './durable-file.ts';
import type { ImageStreamGaps } from './evidence-store.ts';

/** The file in the evidence folder that holds every stream's received numbers. */
export const IMAGE_SEQS_FILE = 'image-seqs.json';
/** Islands kept per stream before the two oldest are merged (their hole settled as missing). */
export const DEFAULT_MAX_ISLANDS = 1_000;

/** One stream of one camera: the numbers received as sorted, disjoint, non-adjacent [lo, hi] islands. */
interface StreamSeqs {
  region: string;
  site: string;
  camera: string;
  stream: string;
  islands: [number, number][];
  /** Numbers inside the islands that never arrived: the holes merged away when a stream had too many. */
  settledMissing: number;
}

interface SeqsFile {
  version: 1;
  streams: StreamSeqs[];
}

const keyOf = (s: Pick<StreamSeqs, 'region' | 'site' | 'camera' | 'stream'>) => `${s.region}/${s.site}/${s.camera}/${s.stream}`;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** Adds `seq` to sorted disjoint islands, joining neighbours; false when it was already there. */
export function addSeq(islands: [number, number][], seq: number): boolean {
  let i = 0; // the first island that ends at or after seq - 1
  for (let lo = 0, hi = islands.length; lo < hi; ) {
    const mid = (lo + hi) >> 1;
    if (islands[mid][1] < seq - 1) lo = i = mid + 1;
    else hi = i = mid;
  }
  const at = islands[i];
  if (at && at[0] <= seq && seq <= at[1]) return false;
  if (at && at[1] === seq - 1) {
    at[1] = seq;
    const next = islands[i + 1];
    if (next && next[0] === seq + 1) islands.splice(i, 2, [at[0], next[1]]);
  } else if (at && at[0] === seq + 1) {
    at[0] = seq;
  } else {
    islands.splice(i, 0, [seq, seq]);
  }
  return true;
}

function gapsOf(s: StreamSeqs): ImageStreamGaps {
  const newest = s.islands[s.islands.length - 1][1];
  const received = s.islands.reduce((n, [lo, hi]) => n + hi - lo + 1, 0) - s.settledMissing;
  return { region: s.region, site: s.site, camera: s.camera, stream: s.stream, newest, received, missing: newest + 1 - received };
}

/** The file's content, or undefined when it is not what this module writes. */
function parseSeqs(text: string): StreamSeqs[] | undefined {
  const file = JSON.parse(text) as SeqsFile;
  if (file?.version !== 1 || !Array.isArray(file.streams)) return undefined;
  for (const s of file.streams) {
    if (![s?.region, s?.site, s?.camera, s?.stream].every((v) => typeof v === 'string')) return undefined;
    if (!isCount(s.settledMissing) || !Array.isArray(s.islands) || s.islands.length === 0) return undefined;
    let end = -2;
    for (const island of s.islands) {
      if (!Array.isArray(island) || island.length !== 2 || !isCount(island[0]) || !isCount(island[1])) return undefined;
      if (island[0] <= end + 1 || island[1] < island[0]) return undefined;
      end = island[1];
    }
    if (gapsOf(s).received < 1) return undefined;
  }
  return file.streams;
}

/**
 * The directory store's image stream numbers (evidence.v1 image_stream), one JSON file in the evidence
 * folder, written whole (temp, fsync, rename, folder fsync) each time a number is added: a set, so an image
 * noted twice counts once, and apart from the images, so prune never changes it. The store notes a number
 * after the image is durable, and again when the image arrives as a duplicate: a crash in between left the
 * image unacknowledged, so the broker brings it again and that note counts it.
 */
export class ImageSeqs {
  private streams = new Map<string, StreamSeqs>();
  /** Noted numbers not yet known to be in the file (a write failed or is yet to run). */
  private dirty = false;
  private saving: Promise<void> | undefined;
  private readonly path: string;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly maxIslands = DEFAULT_MAX_ISLANDS,
  ) {
    this.path = join(dir, IMAGE_SEQS_FILE);
  }

  /**
   * Reads the file. A damaged one does not stop the store: it is logged and, when `writable`, set aside as
   * `.damaged` (the counts start again empty); a reader only logs it. The writer also removes a temporary
   * file a crash left mid-write.
   */
  async load(writable: boolean): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.streams = new Map();
      return;
    }
    let streams: StreamSeqs[] | undefined;
    try {
      streams = parseSeqs(text);
    } catch {
      streams = undefined;
    }
    if (!streams) {
      this.log.error({ path: this.path, writable }, 'image stream numbers file is damaged: the gap counts start again empty');
      this.streams = new Map();
      if (writable) {
        await rename(this.path, `${this.path}.damaged`);
        await syncDirectory(this.dir);
      }
    } else {
      this.streams = new Map(streams.map((s) => [keyOf(s), s]));
    }
    if (writable) await this.removeTemps();
  }

  private async removeTemps(): Promise<void> {
    const temp = new RegExp(`^\\.${IMAGE_SEQS_FILE.replace('.', '\\.')}\\.\\d+\\${TEMP_SUFFIX}$`);
    for (const name of await readdir(this.dir)) if (temp.test(name)) await removeIfThere(join(this.dir, name));
  }

  /** Notes the image's number (when it has one) and resolves once the file holds it. */
  async note(header: EvidenceV1): Promise<void> {
    const stamp = header.image_stream;
    if (!stamp) return;
    const key = keyOf({ region: header.region, site: header.site, camera: header.camera, stream: stamp.id });
    let s = this.streams.get(key);
    if (!s) {
      s = { region: header.region, site: header.site, camera: header.camera, stream: stamp.id, islands: [], settledMissing: 0 };
      this.streams.set(key, s);
    }
    if (addSeq(s.islands, stamp.seq)) {
      this.dirty = true;
      // Over the bound (once per new island; more than once only when a file from a larger bound was read).
      while (s.islands.length > Math.max(1, this.maxIslands)) {
        const [[lo, hi], [nextLo, nextHi]] = s.islands;
        s.settledMissing += nextLo - hi - 1;
        s.islands.splice(0, 2, [lo, nextHi]);
      }
    }
    // Already noted: a write under way may be the one that holds it, so wait for that one too.
    if (this.dirty || this.saving) await this.save();
  }

  /**
   * Writes the file once no write is under way, unless a write that began after this note already holds it:
   * puts at once share writes. A failed write leaves it dirty, so whoever notes next writes again.
   */
  private async save(): Promise<void> {
    for (;;) {
      if (this.saving) {
        await this.saving.catch(() => {});
        continue;
      }
      if (!this.dirty) return;
      this.dirty = false;
      const bytes = Buffer.from(JSON.stringify({ version: 1, streams: [...this.streams.values()] } satisfies SeqsFile));
      this.saving = (async () => {
        try {
          await writeWhole(this.path, bytes);
          await syncDirectory(this.dir);
        } catch (err) {
          this.dirty = true;
          throw err;
        } finally {
          this.saving = undefined;
        }
      })();
      return this.saving;
    }
  }

  /** Every stream, by camera then stream. */
  gaps(): ImageStreamGaps[] {
    const all = [...this.streams.values()].filter((s) => s.islands.length > 0).map(gapsOf);
    const sortKey = (g: ImageStreamGaps) => [g.region, g.site, g.camera, g.stream];
    return all.sort((a, b) => {
      const [ka, kb] = [sortKey(a), sortKey(b)];
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
      return 0;
    });
  }
}

/**
 * `seamline bench evidence`: the dashboard's evidence API over a plant-size store. A week of images from a
 * plant's cameras is written through each evidence store's own `put` (the consumer's path), then a dashboard
 * that opened the store read-only, as `seamline dashboard` does beside a running consumer, is timed on what
 * the page asks: a page of the newest images (every camera; one camera; a rare class that makes the server
 * page back through headers), a thumbnail the first time (decoded and scaled) and again (from its cache),
 * and a full image for the viewer.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { decodeEvidence, encodeEvidence, evidenceTopic, type Detection, type Evidence } from '../../../contract/index.ts';
import { startDashboard } from '../../../dashboard/server.ts';
import { DuckDbStore } from '../../../store/duckdb/store.ts';
import { DirectoryEvidenceStore } from '../../../store/evidence/directory-store.ts';
import type { EvidenceStore } from '../../../store/evidence/evidence-store.ts';
import { PostgresEvidenceStore } from '../../../store/evidence/postgres-store.ts';
import { startPostgres } from '../../services/postgres.ts';
import { BENCH_IMAGE, makeBenchJpeg } from '../evidence-image.ts';
import { percentile, round } from '../percentile.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export type EvidenceBenchStore = 'directory' | 'postgres';

export interface EvidenceBenchOptions {
  /** Images written to each store. */
  images: number;
  cameras: number;
  /** Days the images are spread over, ending now. */
  days: number;
  /** Timed requests of each kind. */
  runs: number;
  stores: EvidenceBenchStore[];
  progress: (line: string) => void;
}

export interface EvidenceStoreFigures {
  images: number;
  /** Images the read-only store finds after the load: must equal `images`. */
  stored: number;
  load_s: number;
  load_images_per_s: number;
  /** p50 and p95 of each request kind, ms. */
  requests: Record<string, { p50_ms: number | null; p95_ms: number | null }>;
}

export interface EvidenceBenchResult {
  images: number;
  cameras: number;
  days: number;
  image_bytes: number;
  stores: Partial<Record<EvidenceBenchStore, EvidenceStoreFigures>>;
}

const DAY = 86_400_000;
/** One image in this many shows the rare class: the class filter must page back through the others. */
const RARE_EVERY = 50;

const box = (cls: string, id: number, x: number): Detection => ({ class: cls, class_id: id, confidence: 0.8, bbox: [x, 200, 120, 90] });

/** The bench's images, oldest first: camera i of `cameras`, spread evenly over `days` ending at `nowMs`. */
function* plantImages(o: EvidenceBenchOptions, jpeg: Buffer, nowMs: number): Generator<Evidence> {
  const step = (o.days * DAY) / o.images;
  for (let i = 0; i < o.images; i++) {
    const camera = { region: 'eu', site: `plant-${(i % o.cameras) % 2}`, camera: `cam-${String(i % o.cameras).padStart(2, '0')}` };
    const detections = [box('scratch', 1, 100), ...(i % RARE_EVERY === 0 ? [box('crack', 3, 600)] : [])];
    const ms = Math.floor(nowMs - o.days * DAY + i * step);
    const event_id = uuidv7({ msecs: ms });
    const payload = encodeEvidence(
      {
        ...camera,
        event_id,
        seq: i,
        captured_at: new Date(ms).toISOString(),
        frame: BENCH_IMAGE,
        detections,
        image: BENCH_IMAGE,
        masked: false,
      },
      jpeg,
    );
    const decoded = decodeEvidence(evidenceTopic(camera), payload);
    if (!decoded.ok) throw decoded.error;
    yield decoded.evidence;
  }
}

/** Writes the images with `concurrency` puts at a time (a consumer stores a batch's images side by side). */
async function load(store: EvidenceStore, images: Iterable<Evidence>, o: EvidenceBenchOptions, concurrency = 8): Promise<number> {
  const started = performance.now();
  const running = new Set<Promise<unknown>>();
  let n = 0;
  for (const evidence of images) {
    const put = store.put(evidence, new Date()).finally(() => running.delete(put));
    running.add(put);
    if (running.size >= concurrency) await Promise.race(running);
    if (++n % 2_000 === 0) o.progress(`${store.name}: ${n.toLocaleString('en')} of ${o.images.toLocaleString('en')} images written`);
  }
  await Promise.all(running);
  return (performance.now() - started) / 1000;
}

async function timed(url: string): Promise<{ ms: number; body: Buffer }> {
  const started = performance.now();
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${body.toString('utf8', 0, 200)}`);
  return { ms: performance.now() - started, body };
}

const summary = (samples: number[]) => ({ p50_ms: round(percentile(samples, 50), 2), p95_ms: round(percentile(samples, 95), 2) });

/** The page's requests against a dashboard over `reader` (a read-only store opened after the load). */
async function timeRequests(base: string, o: EvidenceBenchOptions, nowMs: number): Promise<EvidenceStoreFigures['requests']> {
  const week = `from=${nowMs - o.days * DAY}&to=${nowMs + 1}`;
  const lists: Record<string, string> = {
    list_newest: `${base}/api/evidence?${week}&limit=48`,
    list_one_camera: `${base}/api/evidence?${week}&limit=48&camera=eu/plant-1/cam-01`,
    list_rare_class: `${base}/api/evidence?${week}&limit=48&class=crack`,
  };
  const out: EvidenceStoreFigures['requests'] = {};
  for (const [name, url] of Object.entries(lists)) {
    const samples: number[] = [];
    for (let r = 0; r < o.runs; r++) samples.push((await timed(url)).ms);
    out[name] = summary(samples);
  }
  const newest = JSON.parse((await timed(`${lists.list_newest.replace('limit=48', 'limit=500')}`)).body.toString('utf8')) as {
    items: { urls: { image: string; thumb: string } }[];
  };
  const items = newest.items.slice(0, o.runs);
  const cold: number[] = [];
  const warm: number[] = [];
  const full: number[] = [];
  for (const item of items) cold.push((await timed(base + item.urls.thumb)).ms);
  for (const item of items) warm.push((await timed(base + item.urls.thumb)).ms);
  for (const item of items) full.push((await timed(base + item.urls.image)).ms);
  return { ...out, thumb_first: summary(cold), thumb_again: summary(warm), image: summary(full) };
}

async function benchStore(
  kind: EvidenceBenchStore,
  open: (readOnly: boolean) => EvidenceStore,
  jpeg: Buffer,
  o: EvidenceBenchOptions,
  scratch: string,
): Promise<EvidenceStoreFigures> {
  const nowMs = Date.now();
  const writer = open(false);
  await writer.open();
  const loadS = await load(writer, plantImages(o, jpeg, nowMs), o);
  await writer.close();
  o.progress(`${kind}: ${o.images.toLocaleString('en')} images in ${loadS.toFixed(1)} s; timing the API`);
  const reader = new DuckDbStore({ path: join(scratch, `${kind}-panels.duckdb`) });
  await reader.open();
  const evidence = open(true);
  await evidence.open();
  const dashboard = await startDashboard({ reader, port: 0, evidence });
  try {
    const stored = (await evidence.stats()).images;
    const requests = await timeRequests(dashboard.url, o, nowMs);
    return { images: o.images, stored, load_s: round(loadS, 1)!, load_images_per_s: Math.round(o.images / loadS), requests };
  } finally {
    await dashboard.close();
    await evidence.close();
    await reader.close();
  }
}

export async function runEvidenceBench(o: EvidenceBenchOptions): Promise<EvidenceBenchResult> {
  const jpeg = await makeBenchJpeg();
  const scratch = scratchDir('seamline-bench-evidence-');
  const stores: EvidenceBenchResult['stores'] = {};
  try {
    if (o.stores.includes('directory')) {
      const dir = join(scratch, 'plant.duckdb.evidence');
      stores.directory = await benchStore('directory', (readOnly) => new DirectoryEvidenceStore({ dir, readOnly }), jpeg, o, scratch);
    }
    if (o.stores.includes('postgres')) {
      const pg = await startPostgres();
      try {
        stores.postgres = await benchStore('postgres', () => new PostgresEvidenceStore({ url: pg.url }), jpeg, o, scratch);
      } finally {
        await pg.stop();
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { images: o.images, cameras: o.cameras, days: o.days, image_bytes: jpeg.byteLength, stores };
}

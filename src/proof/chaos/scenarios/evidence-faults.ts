import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startConsumer, type RunningConsumer } from '../../../consumer/consumer.ts';
import { PostgresStore } from '../../../store/postgres/store.ts';
import { PostgresEvidenceStore } from '../../../store/evidence/postgres-store.ts';
import { makeBenchJpeg } from '../../bench/evidence-image.ts';
import { startMosquitto, type RunningMosquitto } from '../../services/mosquitto.ts';
import { startPostgres, type RunningPostgres } from '../../services/postgres.ts';
import { EdgeLife, type EdgeLedger } from '../harness/edge-life.ts';
import type { EvidenceEdgeJob } from '../harness/evidence-edge.ts';
import { evidenceCounts } from '../harness/evidence-counts.ts';
import { verdict, type ChaosResult, type ChaosScenario } from '../harness/scenario.ts';
import { postgresCounts, postgresMissing } from '../harness/stored-counts.ts';
import { Deadline, sizedDeadlineMs } from '../harness/deadline.ts';
import { waitUntil } from '../harness/wait-until.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export interface EvidenceFaultsOptions {
  /** Events a second from the one camera. */
  rate: number;
  /** An image for every this-many events. */
  imageEvery: number;
  /** The edge image queue's bound, in images (of the ~96 KB bench JPEG). */
  queueImages: number;
  /** Traffic between faults, ms (unless `events` is given). */
  phaseMs: number;
  /**
   * `--events N`: each of the five stretches of traffic between faults lasts until another fifth of N was
   * answered, and the feed stops once N were (a few more may be answered by then: at least N).
   */
  events?: number;
  /** How long Mosquitto stays down after each SIGKILL, ms; the last outage is long enough to overflow the queue. */
  outageMs: number;
  /** How long to wait for repair and the last images after the load, ms. */
  settleMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rig {
  dir: string;
  broker: RunningMosquitto;
  postgres: RunningPostgres;
  store: PostgresStore;
  images: PostgresEvidenceStore;
  consumer: RunningConsumer;
  job: EvidenceEdgeJob;
  ledger: EdgeLedger;
  lives: EdgeLife[];
  /** Per bridge SIGKILL: images its queue held as last reported, and how many the next life restored from disk. */
  kills: { held: number; restoredNext: number }[];
  brokerKills: number;
}

/**
 * The faults, in order, all under traffic: (1) Mosquitto SIGKILLed with the bridge up; (2) the bridge SIGKILLed
 * with Mosquitto up; (3) Mosquitto SIGKILLed, then the bridge SIGKILLed while Mosquitto is down (images pile up
 * in the queue on disk) and restarted before Mosquitto is back; (4) a long Mosquitto outage that overflows the
 * image queue's bound (drop-oldest, counted). Then the feed stops, repair and the queue finish, a graceful stop.
 */
async function faults(rig: Rig, o: EvidenceFaultsOptions, deadline: Deadline, progress: (line: string) => void): Promise<void> {
  const life = () => rig.lives[rig.lives.length - 1];
  let phases = 0;
  const phase = async () => {
    const target = o.events === undefined ? 0 : Math.ceil((++phases * o.events) / 5);
    if (o.events === undefined) await sleep(o.phaseMs);
    else await deadline.wait(() => rig.ledger.accepted.size >= target, `${target} events answered`);
  };
  const killBroker = async () => {
    rig.brokerKills++;
    await rig.broker.kill();
  };
  const restartEdge = async () => {
    const held = life().last?.queued ?? 0;
    rig.lives.push(await EdgeLife.start(rig.job, rig.ledger));
    await waitUntil(() => life().first !== undefined, 10_000);
    rig.kills.push({ held, restoredNext: life().first?.restored ?? 0 });
    progress(`bridge restarted: its queue held about ${held} images, ${life().first?.restored ?? 0} restored from disk`);
  };
  await phase();
  await killBroker();
  progress(`1: Mosquitto SIGKILLed (${rig.ledger.accepted.size} events, ${rig.ledger.queued.size} images so far)`);
  await sleep(o.outageMs);
  await rig.broker.start();
  await phase();
  await life().kill();
  progress(`2: bridge SIGKILLed (${rig.ledger.accepted.size} events, ${rig.ledger.queued.size} images so far)`);
  await restartEdge();
  await phase();
  await killBroker();
  await sleep(o.outageMs / 2);
  await life().kill();
  progress(`3: Mosquitto SIGKILLed, then the bridge while Mosquitto was down (${rig.ledger.queued.size} images so far)`);
  await restartEdge();
  await sleep(o.outageMs / 2);
  await rig.broker.start();
  await phase();
  await killBroker();
  const longOutage = Math.max(o.outageMs, ((o.queueImages * 1.5 * o.imageEvery) / o.rate) * 1000);
  progress(`4: Mosquitto SIGKILLed for ${Math.round(longOutage)} ms, more images than the queue's bound of ${o.queueImages}`);
  await sleep(longOutage);
  await rig.broker.start();
  await phase();
  life().stopFeeding();
}

/** Waits for every answered event (repair included) and every image that can still come, then stops everything. */
async function settle(rig: Rig, o: EvidenceFaultsOptions, deadline: Deadline, progress: (line: string) => void): Promise<boolean> {
  await sleep(200); // the last accepts in flight when the feed stopped
  const all = async () => (await rig.store.totals()).events >= rig.ledger.accepted.size;
  const complete = await waitUntil(all, Math.max(10_000, Math.min(o.settleMs, deadline.left)));
  const last = rig.lives[rig.lives.length - 1];
  const code = await last.stop();
  if (code !== 0) progress(`bridge exited ${code}: ${last.stderr.slice(-500)}`);
  const ingest = rig.consumer.evidence!.ingest;
  const acked = () => rig.lives.reduce((n, l) => n + ((l.final ?? l.last)?.acked ?? 0), 0);
  await waitUntil(() => ingest.stats.pending === 0 && ingest.stats.stored + ingest.stats.duplicates >= acked(), 10_000);
  await sleep(500);
  await rig.consumer.stop();
  await rig.images.close();
  await rig.store.close();
  return complete;
}

async function account(rig: Rig, complete: boolean): Promise<ChaosResult> {
  const url = rig.postgres.url;
  const counts = await postgresCounts(url);
  const lost = await postgresMissing(url, rig.ledger.accepted);
  const img = await evidenceCounts(url, rig.ledger.queued);
  const last = rig.lives[rig.lives.length - 1];
  const stats = rig.lives.map((l) => l.final ?? l.last);
  const dropped = stats.reduce((n, s) => n + (s?.dropped ?? 0), 0);
  const restored = rig.kills.reduce((n, k) => n + k.restoredNext, 0);
  const refused = stats.reduce((n, s) => n + (s?.refused ?? 0) + (s?.duplicates ?? 0), 0);
  const acked = stats.reduce((n, s) => n + (s?.acked ?? 0), 0);
  // Every image queued (numbered) is stored or among the numbers the store counts missing: nothing else.
  const unaccounted = rig.ledger.queued.size - img.stored - img.missingCounted;
  // Each life's queue counters (restored, offered, acked, dropped, queued; the killed ones as last reported).
  const lives = stats.map((s) => `r${s?.restored} o${s?.offered} a${s?.acked} d${s?.dropped} q${s?.queued}`).join(', ');
  const base = verdict('evidence-faults', rig.ledger.accepted.size, counts, counts.deadLetters, { lost });
  const imagesOk =
    img.badDigest === 0 &&
    img.storedTwice === 0 &&
    img.foreign === 0 &&
    img.unlinked === 0 &&
    last.final?.queued === 0 &&
    restored > 0 &&
    img.unnumbered === 0 &&
    img.missingCounted === img.gapsInHeaders &&
    (dropped === 0 || img.missingCounted > 0) &&
    unaccounted === 0;
  return {
    ...base,
    ok: base.ok && complete && imagesOk,
    store: 'postgres',
    consumers: 1,
    bridge_kills: rig.kills.length,
    broker_kills: rig.brokerKills,
    images_queued: rig.ledger.queued.size,
    images_stored: img.stored,
    images_missing_counted: img.missingCounted,
    images_missing_in_headers: img.gapsInHeaders,
    images_lost_beyond_edge_drops: Math.max(0, img.missingCounted - dropped),
    images_dropped: dropped,
    images_refused: refused,
    images_acked: acked,
    image_queue_lives: lives,
    images_restored: restored,
    images_unaccounted: unaccounted,
    images_unnumbered: img.unnumbered,
    images_bad_digest: img.badDigest,
    images_stored_twice: img.storedTwice,
    images_foreign: img.foreign,
    images_unlinked: img.unlinked,
    images_queued_at_end: last.final?.queued ?? -1,
  };
}

async function rig(o: EvidenceFaultsOptions): Promise<Rig> {
  const dir = scratchDir('seamline-chaos-evidence-');
  writeFileSync(join(dir, 'image.jpg'), await makeBenchJpeg());
  // Snapshots every second: the consumer's sessions outlive a SIGKILL, so images the bridge sends before the
  // consumer is back are queued for it, not dropped; what arrived since the last snapshot is what repair is for.
  const [broker, postgres] = await Promise.all([startMosquitto({ autosaveInterval: 1 }), startPostgres()]);
  const store = new PostgresStore({ url: postgres.url });
  await store.open();
  const images = new PostgresEvidenceStore({ url: postgres.url });
  await images.open();
  // PostgreSQL for the events and the images (the `evidence` table), but ONE consumer on a plain persistent
  // subscription (share: false), as every scenario that restarts Mosquitto (harness/end-to-end.ts): 2.0.11 does
  // not restore shared subscriptions from its persistence, so what the bridge sends before a shared member
  // resubscribes is acknowledged and dropped. Events would come back by repair (broker-crash proves that with two
  // consumers), but an image has no replay window: the edge forgets it at its PUBACK, so those images would be
  // counted missing for the broker's sake, not the fault's, and the image accounting here would prove less.
  // In this process (not `seamline consumer`): settling reads its evidence ingest's counters.
  const consumer = await startConsumer({
    url: broker.url,
    clientId: 'chaos-evidence',
    store,
    share: false,
    evidence: images,
    repairGrace: 2,
  });
  const job: EvidenceEdgeJob = {
    url: broker.url,
    clientId: 'chaos-evidence-edge',
    region: 'eu',
    site: 'evidence',
    camera: 'cam-1',
    dataDir: join(dir, 'edge'),
    rate: o.rate,
    imageEvery: o.imageEvery,
    jpegPath: join(dir, 'image.jpg'),
    queueBytes: o.queueImages * 100_000,
  };
  return {
    dir,
    broker,
    postgres,
    store,
    images,
    consumer,
    job,
    ledger: { accepted: new Set(), queued: new Set() },
    lives: [],
    kills: [],
    brokerKills: 0,
  };
}

/**
 * Images beside events through a broker SIGKILL and a bridge SIGKILL (docs text: /tmp/evidence-docs/chaos.md).
 * Proves: every event a bridge answered for is stored once (repair brings back what the broker lost); every
 * stored image is whole (its SHA-256), stored once, one the edge queued, linked to a stored event; images on
 * the queue's disk survive a SIGKILL and are sent by the next life; the queue drains; and every image the edge
 * queued (captured, numbered) is stored or counted missing by the store (its number never arrived: dropped by
 * the full queue, or lost by a SIGKILLed Mosquitto after its PUBACK), the store's count equal to the gaps in the
 * stored headers themselves. An image a SIGKILL caught before its queue write committed took no number and was
 * never counted captured, as an event is not accepted before its outbox write.
 */
export function evidenceFaults(o: EvidenceFaultsOptions): ChaosScenario {
  return {
    name: 'evidence-faults',
    description: `images (1 in ${o.imageEvery} of ${o.rate} events/s, ~96 KB) beside events${o.events ? `, ${o.events} events` : ''}; Mosquitto SIGKILLed 3 times, the bridge twice (once while Mosquitto is down), the image queue overflowed once; one consumer (plain subscription) into PostgreSQL, events and images`,
    async run(progress) {
      const deadline = new Deadline(o.events ? sizedDeadlineMs(o.events, 250, 180_000) : 300_000);
      const r = await rig(o);
      try {
        r.lives.push(await EdgeLife.start(r.job, r.ledger));
        await faults(r, o, deadline, progress);
        const complete = await settle(r, o, deadline, progress);
        progress(`${r.ledger.accepted.size} events answered, ${r.ledger.queued.size} images queued; counting`);
        if (!complete) deadline.miss(`the store held fewer than the ${r.ledger.accepted.size} answered events`);
        if (o.events !== undefined && r.ledger.accepted.size < o.events)
          deadline.miss(`${r.ledger.accepted.size} of ${o.events} events answered`);
        return deadline.verdict(await account(r, complete));
      } finally {
        for (const l of r.lives) await l.kill().catch(() => {});
        await r.consumer.stop().catch(() => {});
        await r.images.close().catch(() => {});
        await r.store.close().catch(() => {});
        await Promise.all([r.broker.close(), r.postgres.stop()]);
        rmSync(r.dir, { recursive: true, force: true });
      }
    },
  };
}

export const EVIDENCE_FAULTS_CLI: EvidenceFaultsOptions = {
  rate: 200,
  imageEvery: 20,
  queueImages: 20,
  phaseMs: 4_000,
  outageMs: 2_000,
  settleMs: 60_000,
};
export const evidenceFaultsScenario = evidenceFaults(EVIDENCE_FAULTS_CLI);
/** Sized (`--events N`): 1,000 events/s, an image for 1 in 100: the same 10 images/s as the default run. */
export const EVIDENCE_FAULTS_SIZED: Partial<EvidenceFaultsOptions> = { rate: 1_000, imageEvery: 100 };

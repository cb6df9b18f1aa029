import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { cameraKey, type RepairAnswerV1 } from '../../contract/index.ts';
import type { RepairCamera, RepairLedger } from '../../store/repair-ledger.ts';
import { RepairChase, backoffMs, type ChasePolicy } from './chase.ts';
import { EPOCH_MARGIN_MS, findGaps } from './finder.ts';
import { RepairLink, type RepairLinkOptions } from './link.ts';
import { resolveRange } from './resolve.ts';
import { newRange } from '../../store/sql/repair-ledger.ts';

export interface RepairerOptions extends Partial<ChasePolicy> {
  ledger: RepairLedger;
  /** Who holds the leases: the consumer's client id. */
  owner: string;
  link: Omit<RepairLinkOptions, 'onAnswer' | 'logger'>;
  /** A gap is chased only once it is this old (default 60 s): a backlog or a redelivery is not a gap. */
  graceMs?: number;
  /** How often the finder and the chase run (default 5 s). */
  passMs?: number;
  /** Lease of a camera's repair; renewed every pass, taken over by another repairer once expired (default 30 s). */
  leaseMs?: number;
  /** After the bridge said it republished a range, look at the store again this much later (default 5 s). */
  verifyMs?: number;
  logger?: Logger;
  now?: () => number;
}

export interface RepairerStats {
  passes: number;
  recorded: number;
  requests: number;
  answers: number;
  announces: number;
  resets: number;
}

export const REPAIR_DEFAULTS: ChasePolicy & { graceMs: number; passMs: number; leaseMs: number; verifyMs: number } = {
  graceMs: 60_000,
  passMs: 5_000,
  leaseMs: 30_000,
  verifyMs: 5_000,
  requestsPerSecond: 5,
  requestBurst: 10,
  cameraIntervalMs: 5_000,
  answerTimeoutMs: 30_000,
  firstRetryMs: 10_000,
  maxRetryMs: 600_000,
  // Longer than a replay window (24 h by default): after that no bridge can have the events any more.
  giveUpMs: 26 * 3_600_000,
  maxSeqsPerRequest: 100_000,
};

/**
 * The consumer side of end-to-end repair (guarantee 6; docs/consumer.md, "Repair"). Every pass it renews
 * its leases, finds the gaps of the cameras it owns (consumer/repair/finder.ts), checks and chases the due ones
 * (consumer/repair/chase.ts), and applies the bridges' answers and announcements as they come. Everything it knows
 * is in the ledger, so a repairer that stops is replaced by another one at the next lease expiry.
 * Emits 'pass' after every pass and 'answer' after an answer is applied.
 */
export class Repairer extends EventEmitter {
  readonly stats: RepairerStats = { passes: 0, recorded: 0, requests: 0, answers: 0, announces: 0, resets: 0 };
  private readonly o: RepairerOptions & typeof REPAIR_DEFAULTS;
  private readonly log: Logger;
  private readonly link: RepairLink;
  private readonly chase: RepairChase;
  private readonly now: () => number;
  private owned = new Map<string, RepairCamera>();
  private timer: NodeJS.Timeout | undefined;
  /** Every ledger change of this process goes through here, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private createdAt: number | undefined;

  constructor(options: RepairerOptions) {
    super();
    this.o = { ...REPAIR_DEFAULTS, ...options };
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'repairer' });
    this.now = options.now ?? Date.now;
    this.link = new RepairLink({ ...options.link, logger: this.log, onAnswer: (a) => void this.serial(() => this.onAnswer(a)) });
    this.chase = new RepairChase(
      this.o.ledger,
      this.o.owner,
      this.o,
      async (request) => {
        const ok = await this.link.send(request);
        if (ok) this.stats.requests++;
        return ok;
      },
      this.now,
    );
  }

  private serial<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const run = this.queue.then(() => (this.stopped ? undefined : fn()));
    this.queue = run.catch((err) => this.log.warn({ err: (err as Error).message }, 'repair step failed; the next pass tries again'));
    return run.catch(() => undefined);
  }

  start(): void {
    const tick = () => {
      void this.pass().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.o.passMs);
      });
    };
    // The first pass takes the leases before the retained announcements arrive, so a camera whose bridge
    // came back with a new outbox is recognised at once.
    void this.pass().finally(() => {
      if (this.stopped) return;
      this.link.start();
      this.timer = setTimeout(tick, this.o.passMs);
    });
  }

  /** One pass now, after whatever this repairer is doing (the loop calls it; so can tests). */
  pass(): Promise<void> {
    return this.serial(() => this.passNow()).then(() => undefined);
  }

  private async passNow(): Promise<void> {
    const now = this.now();
    const owned = await this.o.ledger.claim(this.o.owner, now, this.o.leaseMs);
    this.owned = new Map(owned.map((c) => [cameraKey(c), c]));
    this.stats.recorded += (await findGaps(this.o.ledger, this.o.owner, owned, now, this.o.graceMs)).length;
    await this.chase.pass(owned, now);
    this.stats.passes++;
    this.emit('pass', this.stats);
  }

  private async onAnswer(a: RepairAnswerV1): Promise<void> {
    const now = this.now();
    const key = cameraKey(a);
    const info = {
      incarnation: a.incarnation,
      startedMs: Date.parse(a.incarnation_started_at),
      firstSeq: a.first_seq,
      // Everything below the oldest unacknowledged seq reached the broker.
      ackedThrough: (a.unacked_from ?? a.last_seq + 1) - 1,
    };
    if (a.kind === 'announce') {
      this.stats.announces++;
      const camera = this.owned.get(key) ?? (await this.lookup(key, now));
      if (!camera) return this.firstContact(a, info, now);
      if (!this.mine(camera, now)) return;
      if (info.incarnation !== camera.incarnation) return this.reset(camera, info, now);
      // The time is that of the first announcement of this value: a quiet camera's tail settles from it.
      if (info.ackedThrough !== camera.ackedThrough) await this.write(camera, { ackedThrough: info.ackedThrough, announcedAtMs: now }, now);
      return;
    }
    const sent = a.request_id === undefined ? undefined : this.chase.outstanding.get(a.request_id);
    if (!sent) return; // another repairer's request, or one we gave up waiting for
    this.chase.outstanding.delete(a.request_id!);
    this.stats.answers++;
    const camera = this.owned.get(key);
    if (!camera || !this.mine(camera, now)) return;
    if (info.incarnation !== camera.incarnation) return this.reset(camera, info, now);
    const floor = camera.incarnationStartedMs - EPOCH_MARGIN_MS;
    for (const r of await this.o.ledger.repairing([camera])) {
      const touched = a.ranges.filter((x) => x.from <= r.to && x.to >= r.from);
      if (touched.length === 0) continue;
      const present = await this.o.ledger.present(camera, r.from, r.to, floor);
      const pieces = resolveRange(r, present, touched, {
        now,
        verifyAt: now + this.o.verifyMs,
        retryAt: now + backoffMs(this.o, r.attempts),
      });
      await this.o.ledger.replace(this.o.owner, now, r, pieces);
    }
    this.emit('answer', a);
  }

  /** A camera not among those owned at the last pass: ours if the ledger says so (a restart, before the first pass). */
  private async lookup(key: string, now: number): Promise<RepairCamera | undefined> {
    const camera = (await this.o.ledger.cameras()).find((c) => cameraKey(c) === key);
    if (camera && this.mine(camera, now)) this.owned.set(key, camera);
    return camera && this.mine(camera, now) ? camera : undefined;
  }

  private mine(camera: RepairCamera, now: number): boolean {
    return camera.owner === this.o.owner && camera.leaseUntilMs >= now;
  }

  private async write(
    camera: RepairCamera,
    changes: Partial<RepairCamera>,
    now: number,
    added: Parameters<RepairLedger['update']>[3] = [],
  ): Promise<void> {
    const next = { ...camera, ...changes };
    if (await this.o.ledger.update(this.o.owner, now, next, added)) Object.assign(camera, next);
  }

  /**
   * A camera the ledger does not know yet. A bridge incarnation that began after the ledger did is chased
   * from its first seq; an older one from what the store holds now (its history is not ours to judge).
   */
  private async firstContact(
    a: RepairAnswerV1,
    info: { incarnation: string; startedMs: number; firstSeq: number; ackedThrough: number },
    now: number,
  ): Promise<void> {
    if ((await this.o.ledger.cameras()).some((c) => cameraKey(c) === cameraKey(a))) return; // known; owned elsewhere
    this.createdAt ??= await this.o.ledger.createdAtMs();
    const id = { region: a.region, site: a.site, camera: a.camera };
    const fresh = info.startedMs >= this.createdAt;
    const stored = fresh ? null : await this.o.ledger.maxSeq(id, info.startedMs - EPOCH_MARGIN_MS, now);
    const camera: RepairCamera = {
      ...id,
      incarnation: info.incarnation,
      incarnationStartedMs: info.startedMs,
      watermark: fresh ? info.firstSeq - 1 : (stored ?? info.ackedThrough),
      scannedToMs: fresh ? info.startedMs - EPOCH_MARGIN_MS : now,
      ackedThrough: info.ackedThrough,
      announcedAtMs: now,
      owner: this.o.owner,
      leaseUntilMs: now + this.o.leaseMs,
    };
    if (await this.o.ledger.insertCamera(camera)) {
      this.owned.set(cameraKey(camera), camera);
      this.log.info({ camera: cameraKey(camera), incarnation: info.incarnation, from: camera.watermark + 1 }, 'repairing a new camera');
    }
  }

  /**
   * The camera's bridge has another outbox (its disk was lost or replaced): whatever the old one had not
   * delivered is gone. Every range still chased, and whatever the broker had acknowledged of it but the
   * store never got, is confirmed lost (`outbox_reset`); the new incarnation is chased from its first seq.
   */
  private async reset(
    camera: RepairCamera,
    info: { incarnation: string; startedMs: number; firstSeq: number; ackedThrough: number },
    now: number,
  ): Promise<void> {
    this.stats.resets++;
    const floor = camera.incarnationStartedMs - EPOCH_MARGIN_MS;
    const times = { now, verifyAt: now, retryAt: now };
    let lost = 0;
    for (const r of await this.o.ledger.repairing([camera])) {
      const present = await this.o.ledger.present(camera, r.from, r.to, floor);
      const pieces = resolveRange(r, present, [{ from: r.from, to: r.to, outcome: 'outbox_reset' }], times);
      lost += pieces.filter((p) => p.state === 'lost').reduce((n, p) => n + p.to - p.from + 1, 0);
      await this.o.ledger.replace(this.o.owner, now, r, pieces);
    }
    const tail = [];
    if (camera.ackedThrough > camera.watermark) {
      const template = newRange({
        ...camera,
        incarnation: camera.incarnation,
        from: camera.watermark + 1,
        to: camera.ackedThrough,
        state: 'repairing',
        reason: null,
        detectedAtMs: now,
        attempts: 0,
        nextAttemptMs: now,
        resolvedAtMs: null,
      });
      const present = await this.o.ledger.present(camera, template.from, template.to, floor);
      for (const p of resolveRange(template, present, [{ from: template.from, to: template.to, outcome: 'outbox_reset' }], times)) {
        if (p.state === 'lost') tail.push(p), (lost += p.to - p.from + 1);
      }
    }
    this.log.warn(
      { camera: cameraKey(camera), was: camera.incarnation, now: info.incarnation, lost },
      "the camera's bridge has a new outbox (its disk was lost or replaced): what the old one held is confirmed lost",
    );
    await this.write(
      camera,
      {
        incarnation: info.incarnation,
        incarnationStartedMs: info.startedMs,
        watermark: info.firstSeq - 1,
        scannedToMs: info.startedMs - EPOCH_MARGIN_MS,
        ackedThrough: info.ackedThrough,
        announcedAtMs: now,
      },
      now,
      tail,
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue.catch(() => undefined);
    await this.link.stop();
    await this.o.ledger.release(this.o.owner).catch(() => {});
  }
}

/**
 * The repair ledger: per camera, which seq ranges are being chased, which were repaired, and which are
 * confirmed lost and why (guarantee 6). It lives in the store because the store is the one thing every
 * consumer shares: the repairer that owns a camera (a lease row here) may die, and the next one carries on
 * from what is written down. Implementations: store/duckdb/repair-ledger.ts, store/postgres/repair-ledger.ts.
 */

/** A range is `repairing` until the store holds it (`repaired`) or the bridge confirms it gone (`lost`). */
export type RangeState = 'repairing' | 'repaired' | 'lost';

/**
 * Why a range is lost: the bridge's answer (`evicted` from its replay window, `dropped` by its outbox
 * bound, `outbox_reset`: the bridge's disk was lost or replaced), or `unanswered` when no bridge answered
 * within the give-up time (longer than any replay window).
 */
export type LossReason = 'evicted' | 'dropped' | 'outbox_reset' | 'unanswered';

export interface CameraKey {
  region: string;
  site: string;
  camera: string;
}

/** What the ledger keeps per camera. */
export interface RepairCamera extends CameraKey {
  /** The bridge outbox incarnation the camera's seqs currently belong to (from its announcements). */
  incarnation: string;
  incarnationStartedMs: number;
  /** Every seq of this incarnation up to here is stored or recorded as a range. */
  watermark: number;
  /** Events committed up to this instant (epoch ms, commit time) have been looked at. */
  scannedToMs: number;
  /** From the newest announcement: the seqs the broker had acknowledged up to then, and when it came. */
  ackedThrough: number;
  announcedAtMs: number;
  owner: string | null;
  leaseUntilMs: number;
}

export interface RepairRange extends CameraKey {
  id: string;
  incarnation: string;
  from: number;
  to: number;
  state: RangeState;
  reason: LossReason | null;
  /** When the gap was first recorded. */
  detectedAtMs: number;
  /** Requests sent for it, and when it is due again. */
  attempts: number;
  nextAttemptMs: number;
  /** When it became repaired or lost. */
  resolvedAtMs: number | null;
}

/** Per camera activity among events committed after `sinceMs` (finder pass). */
export interface CommittedSpan extends CameraKey {
  /** Over events committed in (since, cutoff]: lowest and highest seq, distinct seqs, rows. */
  lo: number | null;
  hi: number | null;
  seqs: number;
  rows: number;
  /** Newest commit among all events after `since`, cutoff or not. */
  lastCommittedMs: number;
}

/**
 * Per camera figures for the dashboard, /metrics and alerting: what is being chased now, and what was
 * repaired or confirmed lost (resolved) in a window.
 */
export interface RepairSummaryRow extends CameraKey {
  /** Seqs missing now and being chased ("missing, repairing"). */
  repairing: number;
  /** Of those, the seqs found missing before `staleBeforeMs`: a repair that is taking long. */
  stale: number;
  /** Seqs repaired (they arrived after being recorded missing), resolved in the window. */
  repaired: number;
  /** Seqs confirmed lost ("lost, confirmed"), by reason, resolved in the window. */
  lost: Partial<Record<LossReason, number>>;
  /** When the oldest range still being chased was detected, or null. */
  oldestRepairingMs: number | null;
  /** Longest repair so far (detected to repaired), ms, or null. */
  longestRepairMs: number | null;
}

/** A seq range as [from, to], inclusive. */
export type Span = [from: number, to: number];

export interface RepairLedger {
  open(): Promise<void>;
  /** When this store's ledger was first created (epoch ms): bridges that began later are chased from their first seq. */
  createdAtMs(): Promise<number>;

  /** Every camera the ledger knows. */
  cameras(): Promise<RepairCamera[]>;
  /** Inserts a camera first seen (owned by `owner`); false if another repairer inserted it first. */
  insertCamera(camera: RepairCamera): Promise<boolean>;
  /**
   * Takes or renews the lease of every camera that is free, expired or already ours; returns ours. One
   * statement, so two repairers cannot both win a camera.
   */
  claim(owner: string, nowMs: number, leaseMs: number): Promise<RepairCamera[]>;
  /** Gives our leases back (a clean stop), so another repairer need not wait for them to expire. */
  release(owner: string): Promise<void>;
  /**
   * Writes a camera's state and its new ranges in one transaction, only while `owner` holds its lease;
   * false (and nothing written) when it no longer does.
   */
  update(owner: string, nowMs: number, camera: RepairCamera, added: RepairRange[]): Promise<boolean>;

  /** Finder: per camera, events committed after `sinceMs` (seq figures over those up to `cutoffMs`). */
  committedSince(sinceMs: number, cutoffMs: number): Promise<CommittedSpan[]>;
  /**
   * Finder: the seq holes of `camera` above `afterSeq` among its events committed in (sinceMs, cutoffMs]
   * and accepted from `floorMs` on (its incarnation), the first one starting at `afterSeq + 1`. Also the
   * highest seq seen.
   */
  holes(
    camera: CameraKey,
    afterSeq: number,
    sinceMs: number,
    cutoffMs: number,
    floorMs: number,
  ): Promise<{ holes: Span[]; maxSeq: number | null }>;
  /** The highest seq stored for `camera` among events accepted from `floorMs` and committed by `cutoffMs`. */
  maxSeq(camera: CameraKey, floorMs: number, cutoffMs: number): Promise<number | null>;
  /** Which seqs of [from, to] the store holds for `camera` (accepted from `floorMs` on), as ranges. */
  present(camera: CameraKey, from: number, to: number, floorMs: number): Promise<Span[]>;

  /** Cameras whose last status says offline (their bridge cannot answer): the status table only, cheap. */
  offline(): Promise<CameraKey[]>;
  /** Ranges still being chased, for these cameras (all when omitted). */
  repairing(cameras?: CameraKey[]): Promise<RepairRange[]>;
  /** Replaces a range by the pieces it became (repaired, lost, still repairing), only while `owner` holds the camera. */
  replace(owner: string, nowMs: number, old: RepairRange, pieces: RepairRange[]): Promise<boolean>;
  /** Every range of a camera, newest first, at most `limit`: for tests, tools and the dashboard. */
  ranges(camera: CameraKey, limit?: number): Promise<RepairRange[]>;
  /** Per camera: chased now, and resolved in [fromMs, toMs) (default: ever). Cameras without any range are left out. */
  summary(fromMs?: number, toMs?: number, staleBeforeMs?: number): Promise<RepairSummaryRow[]>;
  close(): Promise<void>;
}

/** The lowest UUIDv7 of a millisecond: event ids compare like their timestamps (lowercase hex text, or uuid bytes). */
export function uuidFloor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** A store's repair ledger, declared in its capabilities (StoreCapabilities.repairLedger): DuckDB, PostgreSQL. */
export interface RepairLedgerAccess {
  /** The ledger, opened on first call and closed with the store. */
  open(): Promise<RepairLedger>;
  /**
   * Repair, per camera: seqs missing and being chased now, and those repaired or confirmed lost in
   * [fromMs, toMs) (RepairLedger.summary). Null when the store holds no ledger yet: opened read-only
   * (seamline dashboard) before any consumer created one, e.g. every consumer runs with --no-repair. No
   * ledger is not "nothing missing".
   */
  summary(fromMs?: number, toMs?: number, staleBeforeMs?: number): Promise<RepairSummaryRow[] | null>;
}

/**
 * A store's one ledger, opened on first use. Concurrent first calls share one opening; a failed opening is
 * forgotten, so the next call tries again (the store may have been down).
 */
export class LedgerSlot implements RepairLedgerAccess {
  private opening: Promise<RepairLedger> | undefined;
  private seen = false;

  /**
   * `exists`, for a store opened read-only: whether a consumer has created the ledger's tables, which a
   * reader may not do itself.
   */
  constructor(
    private readonly make: () => RepairLedger | Promise<RepairLedger>,
    private readonly exists?: () => Promise<boolean>,
  ) {}

  open(): Promise<RepairLedger> {
    this.opening ??= (async () => {
      const ledger = await this.make();
      await ledger.open();
      return ledger;
    })().catch((err) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  async summary(fromMs?: number, toMs?: number, staleBeforeMs?: number): Promise<RepairSummaryRow[] | null> {
    // Read-only, the ledger is the consumer's to create; until one has, there is none to read.
    if (this.exists && !this.seen) {
      if (!(await this.exists())) return null;
      this.seen = true;
    }
    return (await this.open()).summary(fromMs, toMs, staleBeforeMs);
  }

  /** Closes the ledger if one was opened. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    await (await opening?.catch(() => undefined))?.close();
  }
}

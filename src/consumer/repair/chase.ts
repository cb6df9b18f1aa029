import { v7 as uuidv7 } from 'uuid';
import { cameraKey, MAX_REPAIR_RANGES, REPAIR_REQUEST_V1, type RepairRequestV1 } from '../../contract/index.ts';
import { TokenBucket } from '../../plumbing/token-bucket.ts';
import type { RepairCamera, RepairLedger, RepairRange } from '../../store/repair-ledger.ts';
import { newRange } from '../../store/sql/repair-ledger.ts';
import { EPOCH_MARGIN_MS } from './finder.ts';
import { resolveRange } from './resolve.ts';

export interface ChasePolicy {
  /** Most requests a second from this repairer, all cameras together, with this burst. */
  requestsPerSecond: number;
  requestBurst: number;
  /** At most one request per camera this often, and none while one is unanswered. */
  cameraIntervalMs: number;
  answerTimeoutMs: number;
  /** Backoff between requests for the same range: first delay, doubling to the cap, +-20% jitter. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** After this long without repair or a confirmed answer, a range is lost as `unanswered`. */
  giveUpMs: number;
  /** Seqs one request asks for at most. */
  maxSeqsPerRequest: number;
}

export interface SentRequest {
  key: string;
  sentAt: number;
  request: RepairRequestV1;
}

export function backoffMs(policy: ChasePolicy, attempts: number): number {
  const base = Math.min(policy.maxRetryMs, policy.firstRetryMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Sends the requests one pass may send. Never a storm: a global token bucket, one request per camera per
 * interval and none while one is outstanding, cameras taken in turn so none starves, offline cameras
 * skipped (their bridge could not answer), and each range backs off on its own. Before asking, each due
 * range is checked against the store: what arrived in the meantime (a late redelivery, an earlier repair)
 * is repaired, not asked for again.
 */
export class RepairChase {
  private readonly bucket: TokenBucket;
  private readonly lastAsked = new Map<string, number>();
  readonly outstanding = new Map<string, SentRequest>();
  private turn = 0;

  constructor(
    private readonly ledger: RepairLedger,
    private readonly owner: string,
    private readonly policy: ChasePolicy,
    private readonly send: (request: RepairRequestV1) => Promise<boolean>,
    now: () => number,
  ) {
    this.bucket = new TokenBucket(policy.requestsPerSecond, policy.requestBurst, now);
  }

  async pass(owned: RepairCamera[], now: number): Promise<number> {
    for (const [id, sent] of this.outstanding) if (now - sent.sentAt > this.policy.answerTimeoutMs) this.outstanding.delete(id);
    const byCamera = new Map<string, RepairRange[]>();
    for (const r of await this.ledger.repairing(owned)) {
      const key = cameraKey(r);
      byCamera.set(key, [...(byCamera.get(key) ?? []), r]);
    }
    const cameras = owned.filter((c) => byCamera.has(cameraKey(c)));
    if (cameras.length === 0) return 0;
    // Only when there is something to chase: the status table is read then, not every pass.
    const offline = new Set((await this.ledger.offline()).map(cameraKey));
    let sent = 0;
    for (let i = 0; i < cameras.length; i++) {
      const camera = cameras[(this.turn + i) % cameras.length];
      const key = cameraKey(camera);
      const ranges = await this.giveUp(camera, byCamera.get(key)!, now);
      const due = ranges.filter((r) => r.nextAttemptMs <= now && r.incarnation === camera.incarnation);
      if (due.length === 0 || offline.has(key)) continue;
      if ([...this.outstanding.values()].some((s) => s.key === key)) continue;
      if (now - (this.lastAsked.get(key) ?? -Infinity) < this.policy.cameraIntervalMs) continue;
      if (!this.bucket.take()) break;
      if (await this.ask(camera, due, now)) sent++;
    }
    this.turn++;
    return sent;
  }

  /** Ranges chased longer than any replay window lasts are lost: no bridge will answer for them any more. */
  private async giveUp(camera: RepairCamera, ranges: RepairRange[], now: number): Promise<RepairRange[]> {
    const kept: RepairRange[] = [];
    for (const r of ranges) {
      if (now - r.detectedAtMs < this.policy.giveUpMs) {
        kept.push(r);
        continue;
      }
      const present = await this.ledger.present(camera, r.from, r.to, camera.incarnationStartedMs - EPOCH_MARGIN_MS);
      const pieces = resolveRange(r, present, [], { now, verifyAt: now, retryAt: now }).map((p) =>
        p.state === 'repairing' ? { ...p, state: 'lost' as const, reason: 'unanswered' as const, resolvedAtMs: now } : p,
      );
      await this.ledger.replace(this.owner, now, r, pieces);
    }
    return kept;
  }

  private async ask(camera: RepairCamera, due: RepairRange[], now: number): Promise<boolean> {
    const floor = camera.incarnationStartedMs - EPOCH_MARGIN_MS;
    let budget = this.policy.maxSeqsPerRequest;
    const asked: { from: number; to: number }[] = [];
    for (const r of due) {
      if (budget <= 0 || asked.length >= MAX_REPAIR_RANGES) break;
      const present = await this.ledger.present(camera, r.from, r.to, floor);
      const pieces = present.length === 0 ? [r] : resolveRange(r, present, [], { now, verifyAt: now, retryAt: now });
      const next: RepairRange[] = [];
      for (const p of pieces) {
        if (p.state !== 'repairing' || budget <= 0 || asked.length >= MAX_REPAIR_RANGES) {
          next.push(p);
          continue;
        }
        const to = Math.min(p.to, p.from + budget - 1);
        asked.push({ from: p.from, to });
        budget -= to - p.from + 1;
        next.push(newRange({ ...p, to, attempts: p.attempts + 1, nextAttemptMs: now + backoffMs(this.policy, p.attempts + 1) }));
        if (to < p.to) next.push(newRange({ ...p, from: to + 1 }));
      }
      if (next.length !== 1 || next[0] !== r) await this.ledger.replace(this.owner, now, r, next);
    }
    if (asked.length === 0) return false;
    const request: RepairRequestV1 = {
      schema_version: REPAIR_REQUEST_V1,
      request_id: uuidv7(),
      region: camera.region,
      site: camera.site,
      camera: camera.camera,
      incarnation: camera.incarnation,
      ranges: asked,
      requested_at: new Date(now).toISOString(),
      requester: this.owner.slice(0, 128),
    };
    if (!(await this.send(request))) return false;
    const key = cameraKey(camera);
    this.lastAsked.set(key, now);
    this.outstanding.set(request.request_id, { key, sentAt: now, request });
    return true;
  }
}

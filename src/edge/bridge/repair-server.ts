import type { Logger } from 'pino';
import {
  cameraKey,
  decodeRepairRequest,
  repairAnswerTopic,
  repairRequestTopic,
  REPAIR_ANSWER_V1,
  type CameraId,
  type RepairAnswerV1,
  type RepairOutcome,
  type RepairRequestV1,
} from '../../contract/index.ts';
import { TokenBucket } from '../../plumbing/token-bucket.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { Publisher } from './publisher.ts';
import type { SeqSpan } from '../outbox/seq-lookup.ts';

export interface RepairServerOptions {
  outbox: Outbox;
  publisher: Publisher;
  /** The bridge's own camera: announced even before its first event. */
  camera: CameraId;
  logger: Logger;
  /** Seconds between announcements (default 60). */
  announceSeconds?: number;
  /** Stored seqs one request may walk; the rest is answered `busy` (default 200,000). */
  maxSeqsPerRequest?: number;
  /** Requests handled per second at most, with this burst; more are ignored and logged (defaults 20 and 100). */
  requestsPerSecond?: number;
  requestBurst?: number;
  /** Each answered range, for metrics. */
  onAnswered?: (outcome: RepairOutcome, seqs: number) => void;
  onRequest?: (result: 'answered' | 'invalid' | 'ignored') => void;
}

type AnsweredRange = RepairAnswerV1['ranges'][number];

const MAX_ANSWER_RANGES = 1_000;
const LOG_EVERY_MS = 10_000;

const idOf = (stream: string): CameraId => {
  const [region, site, camera] = stream.split('/');
  return { region, site, camera };
};

/**
 * The bridge's side of end-to-end repair (docs/edge.md, "Repair"). It subscribes to the repair requests of
 * each camera this bridge publishes for, answers every requested seq, and republishes, byte for byte, the
 * ones its replay window still holds, through the publisher's window. It also announces, retained, who the
 * outbox is (its incarnation) and how far each camera's seqs go, so repairers can chase the newest events.
 */
export class RepairServer {
  private readonly streams = new Set<string>();
  private readonly bucket: TokenBucket;
  private timer: NodeJS.Timeout | undefined;
  private lastLog = 0;
  private quiet = 0;

  constructor(private readonly o: RepairServerOptions) {
    this.bucket = new TokenBucket(o.requestsPerSecond ?? 20, o.requestBurst ?? 100);
    this.streams.add(cameraKey(o.camera));
    for (const s of o.outbox.streamNames()) this.streams.add(s);
  }

  /** Request topics to subscribe to on every connection. */
  topics(): string[] {
    return [...this.streams].map((s) => repairRequestTopic(idOf(s)));
  }

  /** A stream seen for the first time (a host with several cameras): subscribe and announce it. */
  ensureStream(stream: string): void {
    if (this.streams.has(stream)) return;
    this.streams.add(stream);
    this.o.publisher.subscribe(repairRequestTopic(idOf(stream)));
    void this.announceStream(stream);
  }

  start(): void {
    this.timer = setInterval(() => void this.announce(), (this.o.announceSeconds ?? 60) * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Every stream's announcement; called on each connection and every announceSeconds. */
  async announce(): Promise<void> {
    await Promise.all([...this.streams].map((s) => this.announceStream(s)));
  }

  private async announceStream(stream: string): Promise<void> {
    const message = this.answerFor(stream, 'announce', undefined, []);
    await this.o.publisher.publishControl(repairAnswerTopic(idOf(stream)), Buffer.from(JSON.stringify(message)), true);
  }

  private answerFor(stream: string, kind: 'answer' | 'announce', requestId: string | undefined, ranges: AnsweredRange[]): RepairAnswerV1 {
    const info = this.o.outbox.streamInfo(stream);
    const { id, startedAt } = this.o.outbox.incarnation;
    return {
      schema_version: REPAIR_ANSWER_V1,
      kind,
      ...(requestId ? { request_id: requestId } : {}),
      ...idOf(stream),
      incarnation: id,
      incarnation_started_at: new Date(startedAt).toISOString(),
      first_seq: info.firstSeq,
      last_seq: info.lastSeq,
      ...(info.storedFrom === undefined ? {} : { stored_from: info.storedFrom }),
      ...(info.unackedFrom === undefined ? {} : { unacked_from: info.unackedFrom }),
      at: new Date().toISOString(),
      ranges,
    };
  }

  /** A message on a request topic. Never throws: a bad request is logged (rate-limited) and ignored. */
  handle(topic: string, payload: Buffer): void {
    const decoded = decodeRepairRequest(topic, payload);
    if (!decoded.ok) {
      this.o.onRequest?.('invalid');
      this.log(
        'warn',
        { topic, code: decoded.error.code, field: decoded.error.field, reason: decoded.error.message },
        'ignored an invalid repair request',
      );
      return;
    }
    if (!this.bucket.take()) {
      this.o.onRequest?.('ignored');
      this.log(
        'warn',
        { topic, requester: decoded.message.requester },
        'repair requests arrive faster than the bridge takes them; ignored one (the repairer asks again)',
      );
      return;
    }
    this.o.onRequest?.('answered');
    const request = decoded.message;
    const ranges = this.outcomes(request);
    for (const r of ranges) this.o.onAnswered?.(r.outcome, r.to - r.from + 1);
    const stream = cameraKey(request);
    const answer = this.answerFor(stream, 'answer', request.request_id, ranges);
    void this.o.publisher.publishControl(repairAnswerTopic(request), Buffer.from(JSON.stringify(answer)), false);
    this.o.publisher.schedule();
  }

  /** What happens to every requested seq. Republishing starts here: acknowledged seqs are queued. */
  private outcomes(request: RepairRequestV1): AnsweredRange[] {
    const out: AnsweredRange[] = [];
    const add = (from: number, to: number, outcome: RepairOutcome) => {
      const last = out[out.length - 1];
      if (last && last.outcome === outcome && last.to === from - 1) last.to = to;
      else if (out.length < MAX_ANSWER_RANGES) out.push({ from, to, outcome });
      else if (last) {
        // Out of room in the answer: the rest is busy, and the repairer asks again for whatever is left.
        last.to = Math.max(last.to, to);
        last.outcome = 'busy';
      }
    };
    if (request.incarnation !== this.o.outbox.incarnation.id) {
      for (const r of request.ranges) add(r.from, r.to, 'outbox_reset');
      return out;
    }
    const stream = cameraKey(request);
    let budget = this.o.maxSeqsPerRequest ?? 200_000;
    for (const range of [...request.ranges].sort((a, b) => a.from - b.from)) {
      if (budget <= 0) {
        add(range.from, range.to, 'busy');
        continue;
      }
      const { spans, describedTo } = this.o.outbox.describeUpTo(stream, range.from, range.to, budget);
      for (const span of spans) {
        budget -= span.positions.length;
        this.spanOutcome(span, add);
      }
      if (describedTo < range.to) add(describedTo + 1, range.to, 'busy');
    }
    return out;
  }

  private spanOutcome(span: SeqSpan, add: (from: number, to: number, outcome: RepairOutcome) => void): void {
    switch (span.state) {
      case 'acknowledged': {
        const taken = this.o.publisher.replay.push(span.positions);
        if (taken > 0) add(span.from, span.from + taken - 1, 'republished');
        if (taken < span.positions.length) add(span.from + taken, span.to, 'busy');
        return;
      }
      case 'unacknowledged':
        return add(span.from, span.to, 'pending');
      default:
        return add(span.from, span.to, span.state);
    }
  }

  private log(level: 'warn', fields: object, message: string): void {
    if (Date.now() - this.lastLog < LOG_EVERY_MS) {
      this.quiet++;
      return;
    }
    this.o.logger[level]({ ...fields, suppressed: this.quiet }, message);
    this.lastLog = Date.now();
    this.quiet = 0;
  }
}

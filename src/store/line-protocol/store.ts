import { SeamError, type DetectionV1, type StatusV1 } from '../../contract/index.ts';
import { eventKey, type LineProtocolBackend } from './backend.ts';
import { deadLetterPoint, encodePoint, eventPoints, identityRule, statusPoint, type IdentityRule } from './encode.ts';
import { appendEvent, LineBody } from './encode-event.ts';
import type { ClockOffsetRow } from '../clock-offsets.ts';
import { clockPoint } from './clock.ts';
import { LineProtocolHttp, splitCredentials } from './http.ts';
import { InfluxQlBackend } from './influxql.ts';
import { VictoriaBackend } from './victoria.ts';
import { PROBE_REGION, probeEvent } from '../probe-event.ts';
import type { StoreCapabilities } from '../capabilities.ts';
import type { CameraRow, ClassRow, LatencyRow, MinuteRow, SeqGapRow, StoreReader, Totals } from '../reader.ts';
import type { ConsumerSample, DeadLetter, DetectionStore, WriteResult } from '../store.ts';

/**
 * The largest body one write sends: InfluxDB 1.x refuses more than 25 MB by default (max-body-size),
 * VictoriaMetrics 32 MB (-maxInsertRequestSize); a bigger batch goes in several POSTs of about this size.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface LineProtocolStoreOptions {
  /** Which server speaks at `url`: InfluxDB 1.x, or VictoriaMetrics (single node). */
  flavour: 'influxdb' | 'victoriametrics';
  /** Base URL, e.g. http://127.0.0.1:8086; credentials in it are used for basic auth and never logged. */
  url: string;
  /** InfluxDB database (created when missing), or VictoriaMetrics `db` label. Default `seamline`. */
  database?: string;
  username?: string;
  password?: string;
  /**
   * InfluxDB: the database's default retention policy, in days (0 keeps everything). VictoriaMetrics
   * keeps data for its own -retentionPeriod, which the store reads from /flags; this option cannot change
   * it, and is used as that period only when /flags is guarded (docs/stores.md).
   */
  retentionDays?: number;
  /**
   * Read which events of a batch are already stored before writing, so WriteResult counts are exact
   * (default true). Idempotency does not depend on it; turning it off saves one query per batch, and
   * then `duplicates` counts only repeats inside the batch.
   */
  countDuplicates?: boolean;
  /** VictoriaMetrics: call /internal/force_flush before reads so they see the latest writes (default true). */
  forceFlush?: boolean;
  /** VictoriaMetrics: identity slots (`slot` tag = seq mod N) for events of one camera in one millisecond. Default 32. */
  slots?: number;
  /** Per-request timeout; a timeout is retryable. Default 10 s. */
  timeoutMs?: number;
  /** Injected for tests. */
  fetch?: typeof fetch;
}

/**
 * InfluxDB line protocol over HTTP, for InfluxDB 1.x and VictoriaMetrics. One `event` point per event
 * and one `detection` point per detection, identified by measurement + tags + timestamp derived from the
 * event (captured_at, camera, seq, index), so a redelivery overwrites itself instead of adding a row.
 * A write is one POST; it is not a transaction, but a failed batch that is partly stored is completed,
 * not doubled, by its retry.
 */
export class LineProtocolStore implements DetectionStore, StoreReader {
  readonly name: string;
  /**
   * No rollups for the page's panels, and no transactions for a repair ledger or alert state, whose writes
   * must commit together: those need PostgreSQL or DuckDB, and so do the alert rules that count dead letters
   * or classes per camera (queries not written for these servers).
   */
  readonly capabilities: StoreCapabilities = { panels: null, alertCounts: null, repairLedger: null, alertState: null, shiftCounts: null };
  private readonly http: LineProtocolHttp;
  private readonly backend: LineProtocolBackend;
  private readonly rule: IdentityRule;
  private readonly slots: number;
  private deadLetterCounter = 0;
  /** Where a batch's lines are written; grows to the largest body and is reused (encode-event.ts). */
  private readonly body = new LineBody();
  private opened = false;

  constructor(private readonly options: LineProtocolStoreOptions) {
    if (options.flavour !== 'influxdb' && options.flavour !== 'victoriametrics') {
      throw new SeamError('SEAM_ERR_CONFIG', `store.flavour must be influxdb or victoriametrics, got ${String(options.flavour)}`, {
        field: 'store.flavour',
      });
    }
    this.name = options.flavour;
    const { baseUrl, username, password } = splitCredentials(options.url);
    this.http = new LineProtocolHttp({
      baseUrl,
      username: options.username ?? username,
      password: options.password ?? password,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch ?? fetch,
      label: options.flavour,
    });
    const database = options.database ?? 'seamline';
    this.slots = Math.max(1, Math.floor(options.slots ?? 32));
    this.rule = identityRule(options.flavour, this.slots);
    this.backend =
      options.flavour === 'influxdb'
        ? new InfluxQlBackend(this.http, database, options.retentionDays ?? 0)
        : new VictoriaBackend(this.http, database, options.forceFlush ?? true, this.slots, options.retentionDays ?? 0);
  }

  async open(): Promise<void> {
    await this.backend.prepare();
    this.opened = true;
  }

  private check(): void {
    if (!this.opened) throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', `${this.name} store is not open`, { field: 'store' });
  }

  private identity(e: DetectionV1): string {
    const part = this.rule.precision === 'ns' ? String(e.seq % 1_000_000) : this.slots > 1 ? String(e.seq % this.slots) : '';
    return eventKey(e.region, e.site, e.camera, part, Date.parse(e.captured_at));
  }

  async write(events: readonly DetectionV1[], committedAt: Date, freshOut?: number[]): Promise<WriteResult> {
    this.check();
    if (events.length === 0) return { events: 0, detections: 0, duplicates: 0 };
    this.refuseWhatWouldVanish(events, committedAt.getTime());
    // Repeats inside the batch collapse on their identity, as they would on the server.
    const distinct = new Map<string, DetectionV1>();
    for (const e of events) {
      const key = this.identity(e);
      if (!distinct.has(key)) distinct.set(key, e);
    }
    let fresh = [...distinct.entries()];
    if (this.options.countDuplicates ?? true) {
      const times = fresh.map(([, e]) => Date.parse(e.captured_at));
      const stored = await this.backend.existing(Math.min(...times), Math.max(...times));
      fresh = fresh.filter(([key]) => !stored.has(key));
    }
    if (fresh.length > 0) await this.postEvents(fresh, committedAt.getTime());
    for (const [, e] of fresh) freshOut?.push(Date.parse(e.captured_at));
    return {
      events: fresh.length,
      detections: fresh.reduce((n, [, e]) => n + e.detections.length, 0),
      duplicates: events.length - fresh.length,
    };
  }

  /** An event the server would take and not keep (backend.refusal) fails the write before anything is sent. */
  private refuseWhatWouldVanish(events: readonly DetectionV1[], nowMs: number): void {
    for (const e of events) {
      const reason = this.backend.refusal(e, nowMs);
      if (reason)
        throw new SeamError('SEAM_ERR_STORE_REFUSED', `${this.name} would not keep event ${e.event_id}: ${reason}`, {
          field: 'captured_at',
        });
    }
  }

  /**
   * The events' points, encoded into the reused body (encode-event.ts) and sent in as few POSTs as the
   * servers take: one, unless the body passes MAX_BODY_BYTES (a batch of tens of thousands of events).
   */
  private async postEvents(fresh: [string, DetectionV1][], committedMs: number): Promise<void> {
    const bodies: Buffer<ArrayBuffer>[] = [];
    for (const [, e] of fresh) {
      appendEvent(this.body, e, committedMs, this.rule);
      if (this.body.bytes >= MAX_BODY_BYTES) bodies.push(this.body.take());
    }
    if (this.body.bytes > 0) bodies.push(this.body.take());
    for (const body of bodies) await this.http.request('write', 'write', { method: 'POST', body, query: this.backend.writeQuery });
  }

  private async post(lines: string[]): Promise<void> {
    await this.http.request('write', 'write', { method: 'POST', body: lines.join('\n') + '\n', query: this.backend.writeQuery });
  }

  /** The probe event's points (region PROBE_REGION), through the backend, which keeps them out of every read. */
  async probe(): Promise<void> {
    this.check();
    const event = { ...probeEvent(), region: PROBE_REGION };
    await this.backend.probe(eventPoints(event, Date.now(), this.rule).map(encodePoint), (lines) => this.post(lines));
  }

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    this.check();
    if (letters.length === 0) return;
    await this.post(letters.map((l) => encodePoint(deadLetterPoint(l, this.deadLetterCounter++, this.rule, this.slots))));
  }

  async writeStatus(status: StatusV1, receivedAt: Date): Promise<void> {
    this.check();
    await this.post([encodePoint(statusPoint(status, receivedAt.getTime(), this.rule))]);
  }

  /** The sample's clock figures only, one `camera_clock` point per camera (store/line-protocol/clock.ts). */
  async writeConsumerSample(sample: ConsumerSample): Promise<void> {
    this.check();
    const cameras = sample.cameras ?? [];
    if (cameras.length === 0) return;
    await this.post(cameras.map((c) => encodePoint(clockPoint(c, sample.atMs, this.rule))));
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  perMinute(fromMs: number, toMs: number): Promise<MinuteRow[]> {
    return this.backend.perMinute(fromMs, toMs);
  }
  cameras(nowMs?: number): Promise<CameraRow[]> {
    return this.backend.cameras(nowMs);
  }
  clockOffsets(nowMs?: number): Promise<ClockOffsetRow[]> {
    return this.backend.clockOffsets(nowMs);
  }
  classes(fromMs: number, toMs: number): Promise<ClassRow[]> {
    return this.backend.classes(fromMs, toMs);
  }
  latency(fromMs: number, toMs: number): Promise<LatencyRow> {
    return this.backend.latency(fromMs, toMs);
  }
  seqGaps(fromMs: number, toMs: number): Promise<SeqGapRow[]> {
    return this.backend.seqGaps(fromMs, toMs);
  }
  totals(): Promise<Totals> {
    return this.backend.totals();
  }
}

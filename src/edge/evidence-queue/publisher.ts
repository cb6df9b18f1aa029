import { ErrorWithReasonCode, type MqttClient } from 'mqtt';
import { IdleWaiters } from '../../plumbing/idle-waiters.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import { TokenBucket } from '../../plumbing/token-bucket.ts';
import { BrokerConnection, type ConnectionOptions } from '../bridge/connection.ts';
import { checkBytesPerSecond } from './byte-rate.ts';
import type { EvidenceQueue, OutgoingImage } from './queue.ts';

/** The bridge's broker, credentials and TLS; `clientId` is the bridge's with `-evidence` (transport.ts). */
export interface EvidencePublisherOptions extends Omit<ConnectionOptions, 'status'> {
  /** Most images awaiting PUBACK at once (default 2); lowered to the broker's Receive Maximum when it sets one. */
  maxInFlight?: number;
  /** Bytes a second the images may take on average, bursts of a megabyte; 0 (default): no limit. */
  maxBytesPerSecond?: number;
  /** A PUBACK's latency, seconds (the metrics' histogram). */
  onAcked?: (seconds: number) => void;
}

/**
 * The broker refused an image this many times, with a negative PUBACK or by dropping the connection while it was
 * in flight (Mosquitto disconnects a client whose PUBLISH is over its message_size_limit): it is dropped and
 * counted `rejected`, so one image the broker will never take cannot wedge the queue in a reconnect loop.
 */
const MAX_REFUSALS = 3;
export const DEFAULT_EVIDENCE_IN_FLIGHT = 2;
/** What the byte rate lets through at once: one image of the contract's largest size. */
const RATE_BURST_BYTES = 1_000_000;

/**
 * The image queue's flow to the broker over its own connection beside the bridge's (a BrokerConnection, see
 * bridge/connection.ts): same broker, credentials and TLS, client id `<bridge client id>-evidence`, a clean
 * session and no last will (the camera's liveness is the bridge's business; an image link that drops must not
 * say the camera went offline), the same reconnect backoff. QoS 1 PUBLISHes of the oldest queued images, at
 * most a small window in flight, an image removed only on its PUBACK. On a lost connection everything in flight
 * goes back to the queue and is sent again, first, on the next connection. The window is small on purpose: a
 * megabyte image in flight holds the link for as long as it takes to send, and the bridge's events share that
 * link; two images are enough to keep it busy between PUBACKs.
 */
export class EvidencePublisher {
  private connection: BrokerConnection | undefined;
  /** Position -> when it was sent (performance.now()). */
  private readonly inFlight = new Map<number, number>();
  /** Negative PUBACKs and connections lost while in flight, per position, until acknowledged or given up. */
  private readonly refusals = new Map<number, number>();
  /**
   * After a connection lost with images in flight, one image at a time until a PUBACK comes: the oldest is tried
   * alone, so an image the broker drops the connection over is the only one its losses are counted against.
   */
  private probing = false;
  /** After a refusal nothing is sent until then: the broker said no (quota, authorisation), retrying at once would hammer it. */
  private holdUntil = 0;
  /** Bumped on every lost connection, so callbacks from an older connection are ignored. */
  private generation = 0;
  private window: number;
  private readonly maxInFlight: number;
  private scheduled = false;
  private stopped = false;
  private readonly idle = new IdleWaiters();
  /** Bytes a second to the broker, an image sent while the budget is not in debt (`waitMs(0)`). */
  private readonly rate: TokenBucket | undefined;
  private rateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: EvidenceQueue,
    private readonly options: EvidencePublisherOptions,
  ) {
    this.maxInFlight = options.maxInFlight ?? DEFAULT_EVIDENCE_IN_FLIGHT;
    this.window = this.maxInFlight;
    queue.onReady = () => this.schedule();
    const bytesPerSecond = checkBytesPerSecond(options.maxBytesPerSecond);
    if (bytesPerSecond > 0) this.rate = new TokenBucket(bytesPerSecond, RATE_BURST_BYTES);
  }

  get connected(): boolean {
    return this.connection?.connected ?? false;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.connection || this.stopped) return;
    const options = { ...this.options, status: undefined }; // no status: no last will and no birth
    this.connection = new BrokerConnection(options, {
      connected: (receiveMaximum, again) => {
        if (again) this.queue.countReconnect();
        this.window = Math.max(1, Math.min(this.maxInFlight, receiveMaximum ?? Infinity));
        this.options.logger.info(
          { broker: redactUrl(this.options.url), window: this.window, ...this.queue.stats() },
          'evidence publisher connected',
        );
        this.schedule();
      },
      lost: () => this.onConnectionLost(),
      error: (err) => this.onConnectionError(err),
    });
  }

  /** Never louder than a warning: the bridge's own connection, with the same credentials, logs a refusal at error. */
  private onConnectionError(err: Error): void {
    const code = (err as { code?: unknown }).code;
    this.options.logger.warn({ err: err.message, code, broker: redactUrl(this.options.url) }, 'evidence connection error');
  }

  private onConnectionLost(): void {
    this.generation++;
    if (this.inFlight.size > 0) {
      this.options.logger.warn({ inFlight: this.inFlight.size }, 'evidence connection lost with images in flight');
      if (!this.stopped) this.probing = true;
    }
    for (const position of this.inFlight.keys()) {
      const times = (this.refusals.get(position) ?? 0) + (this.stopped ? 0 : 1);
      this.refusals.set(position, times);
      if (times >= MAX_REFUSALS) this.giveUp(position, { lostConnections: times });
      else this.queue.requeue(position);
    }
    this.inFlight.clear();
  }

  /** Asks for a send pass soon; many calls in one turn cost one pass. */
  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const client = this.connection?.client;
    if (!client?.connected || this.stopped) return;
    if (Date.now() < this.holdUntil) return;
    let room = (this.probing ? 1 : this.window) - this.inFlight.size;
    while (room > 0 && !this.rateLimited()) {
      const [image] = this.queue.take(1);
      if (!image) break;
      this.rate?.spend(image.payload.byteLength);
      this.send(client, image);
      room--;
    }
    if (this.inFlight.size === 0 && this.queue.stats().queued === 0) this.idle.notify();
  }

  /** True (and a pass scheduled for when it may) while the byte rate is in debt. */
  private rateLimited(): boolean {
    const wait = this.rate?.waitMs(0) ?? 0;
    if (wait === 0) return false;
    if (!this.rateTimer) {
      this.rateTimer = setTimeout(() => {
        this.rateTimer = undefined;
        this.schedule();
      }, wait);
      this.rateTimer.unref();
    }
    return true;
  }

  private send(client: MqttClient, image: OutgoingImage): void {
    const generation = this.generation;
    const { position } = image;
    this.inFlight.set(position, performance.now());
    client.publish(image.topic, image.payload, { qos: 1 }, (err) => {
      if (generation !== this.generation) return;
      const sentAt = this.inFlight.get(position);
      if (sentAt === undefined) return;
      // A connection error is followed by 'close', which requeues everything in flight.
      if (err && !(err instanceof ErrorWithReasonCode)) return;
      this.inFlight.delete(position);
      if (err) this.refused(image, err);
      else {
        this.refusals.delete(position);
        this.probing = false;
        this.queue.acknowledge(position);
        this.options.onAcked?.((performance.now() - sentAt) / 1000);
      }
      this.schedule();
    });
  }

  /** A negative PUBACK: sent again after a pause, dropped (counted) after MAX_REFUSALS. */
  private refused(image: OutgoingImage, err: ErrorWithReasonCode): void {
    const times = (this.refusals.get(image.position) ?? 0) + 1;
    const log = { event_id: image.event_id, topic: image.topic, code: err.code, reason: err.message, times };
    this.refusals.set(image.position, times);
    if (times >= MAX_REFUSALS) {
      this.giveUp(image.position, log);
      return;
    }
    this.queue.requeue(image.position);
    this.holdUntil = Date.now() + this.options.reconnectMaxMs;
    this.options.logger.warn(log, 'broker refused an evidence image; will retry');
    setTimeout(() => this.schedule(), this.options.reconnectMaxMs).unref();
  }

  private giveUp(position: number, log: object): void {
    this.refusals.delete(position);
    this.queue.reject(position);
    this.options.logger.error({ position, ...log }, 'broker refused an evidence image three times; dropped');
  }

  /** Resolves true once the queue is empty and nothing is in flight, false after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0 && this.queue.stats().queued === 0) return true;
    return this.idle.wait(timeoutMs);
  }

  /** Stops sending and disconnects; images in flight stay queued for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.rateTimer);
    const connection = this.connection;
    this.connection = undefined;
    this.onConnectionLost();
    await connection?.end();
  }
}

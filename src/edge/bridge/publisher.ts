import { ErrorWithReasonCode, type MqttClient } from 'mqtt';
import type { Outbox, OutboxEntry } from '../outbox/outbox.ts';
import { BrokerConnection, type ConnectionOptions } from './connection.ts';
import { publishQos1, subscribeQos1 } from './mqtt-control.ts';
import { ReplayQueue } from './replay-queue.ts';
import { IdleWaiters } from '../../plumbing/idle-waiters.ts';
import { redactUrl } from '../../plumbing/redact.ts';

export interface PublisherOptions extends Omit<ConnectionOptions, 'status'> {
  /** Retained status topic; the last will and the births go there. */
  statusTopic: string;
  /** Payloads for birth (on every connect) and will (set at every connect attempt). */
  birth: () => Buffer;
  will: () => Buffer;
  /** Most PUBLISHes awaiting PUBACK; lowered to the broker's Receive Maximum when it sets one. */
  maxInFlight: number;
  onPublished: (count: number) => void;
  onAcked: (entry: number, latencySeconds: number) => void;
  onReconnected: () => void;
  /** Topics to subscribe to (QoS 1) on every connection: the repair requests of this bridge's cameras. */
  subscriptions?: () => string[];
  /** A message on one of those topics. */
  onMessage?: (topic: string, payload: Buffer) => void;
  /** Every connection, once the birth is sent: the bridge announces its replay window then. */
  onConnected?: () => void;
  /** A republished entry acknowledged by the broker. */
  onRepublished?: (count: number) => void;
  /** Most republishes queued or in flight at once (default 100,000). */
  maxReplayQueue?: number;
}

/** Reserved out of the broker's Receive Maximum for control messages (birth, heartbeat, offline, repair answers). */
const STATUS_RESERVE = 4;

/**
 * How soon a pass that left waiting entries unread looks again. Those are mostly appends whose commit is
 * still on its way (their own `durable` schedules a pass), but lmdb-js can also serve a read from a snapshot
 * taken just before a commit it has already reported (kriszyp/lmdb-js#250): then nothing else would wake us
 * until the next accept or PUBACK, and the last event of a quiet camera would sit in the outbox.
 */
const RECHECK_MS = 25;

/**
 * The outbox's flow to the broker: QoS 1 PUBLISHes from the outbox in position order with up to a window in
 * flight, an entry removed only on its PUBACK. On a lost connection everything in flight goes back to the
 * cursor, and the next connection resends from the oldest unacknowledged entry. The connection itself (will,
 * birth, backoff, credentials) is connection.ts.
 */
export class Publisher {
  private connection: BrokerConnection | undefined;
  /** Next position to send; everything before it was sent (in flight or acknowledged) on this connection. */
  private cursor = 0;
  private readonly inFlight = new Map<number, number>();
  /** Acknowledged entries republished for a repair request, and those of them in flight. */
  readonly replay: ReplayQueue;
  private readonly replayInFlight = new Set<number>();
  /** Entries the broker refused with a negative PUBACK, resent after a pause. */
  private readonly retry: number[] = [];
  private retryAt = 0;
  /** Bumped on every lost connection, so callbacks from an older connection are ignored. */
  private generation = 0;
  private window: number;
  private scheduled = false;
  private recheck: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly idle = new IdleWaiters();

  constructor(
    private readonly outbox: Outbox,
    private readonly options: PublisherOptions,
  ) {
    this.window = options.maxInFlight;
    this.replay = new ReplayQueue(options.maxReplayQueue ?? 100_000);
  }

  private get client(): MqttClient | undefined {
    return this.connection?.client;
  }

  get connected(): boolean {
    return this.connection?.connected ?? false;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The broker's last refusal of our credentials, until a connection succeeds: lets callers say why. */
  get authRefused(): string | undefined {
    return this.connection?.authRefused;
  }

  start(): void {
    const o = this.options;
    const options = { ...o, status: { topic: o.statusTopic, birth: o.birth, will: o.will } };
    const connection: BrokerConnection = new BrokerConnection(options, {
      connected: (receiveMaximum, again) => this.onConnected(connection, receiveMaximum, again),
      lost: () => this.onConnectionLost(),
      message: (topic, payload) => this.options.onMessage?.(topic, payload),
    });
    this.connection = connection;
  }

  private onConnected(connection: BrokerConnection, receiveMaximum: number | undefined, again: boolean): void {
    const o = this.options;
    if (again) o.onReconnected();
    this.window = Math.max(1, Math.min(o.maxInFlight, receiveMaximum ? receiveMaximum - STATUS_RESERVE : Infinity));
    o.logger.info({ broker: redactUrl(o.url), window: this.window, depth: this.outbox.stats().depth }, 'edge bridge connected');
    connection.publishBirth();
    // A clean session keeps no subscriptions: subscribe again on every connection.
    for (const topic of o.subscriptions?.() ?? []) subscribeQos1(connection.client, topic, o.logger);
    o.onConnected?.();
    this.schedule();
  }

  private onConnectionLost(): void {
    this.generation++;
    let from = this.cursor;
    for (const p of this.inFlight.keys()) from = Math.min(from, p);
    for (const p of this.retry) from = Math.min(from, p);
    if (this.inFlight.size > 0)
      this.options.logger.warn({ inFlight: this.inFlight.size, resendFrom: from }, 'broker connection lost with messages in flight');
    this.cursor = from;
    this.inFlight.clear();
    this.retry.length = 0;
    this.replay.requeue(this.replayInFlight);
    this.replayInFlight.clear();
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
    const client = this.client;
    if (!client?.connected || this.stopped) return;
    let room = this.window - this.inFlight.size - this.replayInFlight.size;
    if (this.retry.length > 0 && Date.now() >= this.retryAt) {
      while (room > 0 && this.retry.length > 0) {
        const entry = this.outbox.get(this.retry.shift()!);
        if (entry) {
          this.send(client, entry);
          this.options.onPublished(1);
          room--;
        }
      }
    }
    if (room > 0 && this.replay.waiting > 0) {
      // Live and backlog events keep at least half the window: a repair must not hold up what is new.
      let share = this.outbox.stats().depth > 0 ? Math.ceil(room / 2) : room;
      while (share > 0 && this.replay.waiting > 0) {
        const position = this.replay.shift()!;
        const entry = this.outbox.get(position);
        if (!entry) {
          this.replay.done(position); // left the window since the request came
          continue;
        }
        this.sendReplay(client, entry);
        share--;
        room--;
      }
    }
    if (room > 0) {
      const entries = this.outbox.read(this.cursor, room);
      for (const entry of entries) this.send(client, entry);
      if (entries.length > 0) {
        this.cursor = entries[entries.length - 1].position + 1;
        this.options.onPublished(entries.length);
      }
      if (entries.length < room && this.outbox.hasWaitingFrom(this.cursor)) this.recheckSoon();
    }
    if (this.inFlight.size === 0 && this.outbox.stats().depth === 0) this.idle.notify();
  }

  /** One pass RECHECK_MS from now, however many passes ask for it meanwhile. */
  private recheckSoon(): void {
    if (this.recheck) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      this.schedule();
    }, RECHECK_MS);
    this.recheck.unref();
  }

  private send(client: MqttClient, entry: OutboxEntry): void {
    const generation = this.generation;
    const position = entry.position;
    this.inFlight.set(position, performance.now());
    client.publish(entry.topic, entry.payload, { qos: 1 }, (err) => {
      if (generation !== this.generation) return;
      const sentAt = this.inFlight.get(position);
      if (sentAt === undefined) return;
      if (err) {
        // A connection error is followed by 'close', which resends; a negative PUBACK is the broker's
        // refusal (quota, authorisation), so the entry stays and is retried after a pause.
        if (!(err instanceof ErrorWithReasonCode)) return;
        this.inFlight.delete(position);
        this.retry.push(position);
        this.retryAt = Date.now() + this.options.reconnectMaxMs;
        this.options.logger.error(
          { position, topic: entry.topic, reason: err.message, code: err.code },
          'broker refused a PUBLISH; will retry',
        );
        setTimeout(() => this.schedule(), this.options.reconnectMaxMs).unref();
        return;
      }
      this.inFlight.delete(position);
      this.outbox.acknowledge(position);
      this.options.onAcked(position, (performance.now() - sentAt) / 1000);
      this.schedule();
    });
  }

  /** Republishes an acknowledged entry, byte for byte; its PUBACK changes nothing in the outbox. */
  private sendReplay(client: MqttClient, entry: OutboxEntry): void {
    const generation = this.generation;
    const position = entry.position;
    this.replayInFlight.add(position);
    client.publish(entry.topic, entry.payload, { qos: 1 }, (err) => {
      if (generation !== this.generation || !this.replayInFlight.delete(position)) return;
      // A refusal is not retried: the repairer asks again if the event still does not arrive.
      this.replay.done(position);
      if (err) this.options.logger.warn({ position, topic: entry.topic, err: err.message }, 'broker refused a republished event');
      else this.options.onRepublished?.(1);
      this.schedule();
    });
  }

  /** Subscribes now if connected; every later connection subscribes again through `subscriptions`. */
  subscribe(topic: string): void {
    if (this.client?.connected) subscribeQos1(this.client, topic, this.options.logger);
  }

  /** Publishes a control message (repair answer, announcement) at QoS 1 if connected; resolves on its PUBACK. */
  publishControl(topic: string, payload: Buffer, retain: boolean, timeoutMs = 5_000): Promise<boolean> {
    return this.client?.connected ? publishQos1(this.client, topic, payload, retain, timeoutMs) : Promise.resolve(false);
  }

  /** Resolves when the outbox is empty and nothing is in flight, or after `timeoutMs`; true if drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0 && this.outbox.stats().depth === 0) return true;
    const drained = await this.idle.wait(timeoutMs);
    this.schedule();
    return drained;
  }

  /** Publishes a retained status at QoS 1 if connected; resolves on its PUBACK or after `timeoutMs`. */
  publishStatus(payload: Buffer, timeoutMs = 1000): Promise<boolean> {
    return this.publishControl(this.options.statusTopic, payload, true, timeoutMs);
  }

  /** Stops sending and disconnects; entries still in flight stay in the outbox for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.recheck);
    const connection = this.connection;
    this.connection = undefined;
    if (!connection) return;
    this.replay.clear();
    await connection.end();
  }
}

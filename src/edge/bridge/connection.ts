import { Readable } from 'node:stream';
import mqtt, { ErrorWithReasonCode, type IClientOptions, type IStore, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { cleanSessionOptions, type MqttClientIdentity } from '../../plumbing/mqtt-client-options.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import { warmVarByteIntCache } from './varint-cache.ts';

/** A connection that lasts this long resets the reconnect backoff to its shortest delay. */
const STABLE_CONNECTION_MS = 5_000;

/** The retained status a connection announces: its last will (set at every connect attempt) and its birth (sent on every connect). */
export interface ConnectionStatus {
  /** Retained status topic; the last will and the births go there. */
  topic: string;
  birth: () => Buffer;
  will: () => Buffer;
}

export interface ConnectionOptions extends MqttClientIdentity {
  /** The broker, mqtt:// or mqtts://. */
  url: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  keepaliveSeconds: number;
  /** The retained status (the bridge's); without it the connection has no last will and `publishBirth` sends nothing. */
  status?: ConnectionStatus;
  logger: Logger;
}

export interface ConnectionEvents {
  /** Every connection: the broker's Receive Maximum if it set one, and whether an earlier connection was lost. */
  connected(receiveMaximum: number | undefined, again: boolean): void;
  /** The connection is gone; MQTT.js reconnects on its own after the backoff. */
  lost(): void;
  message?(topic: string, payload: Buffer): void;
  /** A connection error, logged here in place of the default log (auth refusals at error, the rest at warn); `authRefused` is kept either way. */
  error?(err: Error): void;
}

/**
 * MQTT.js keeps QoS 1 messages in its own outgoing store and resends them one at a time on reconnect. The
 * owner of the connection already holds every unacknowledged message durably (the outbox, the image queue:
 * a megabyte an image), so the client gets a store that keeps nothing: after a reconnect the owner resends
 * from its own store, in order, with the full window.
 */
const nullStore: IStore = {
  put: (_packet, cb) => (cb(), nullStore),
  createStream: () => Readable.from([]) as never,
  del: (packet, cb) => (cb(undefined, packet as never), nullStore),
  get: (_packet, cb) => (cb(new Error('not stored')), nullStore),
  close: (cb) => cb(),
};

function clientOptions(o: ConnectionOptions): IClientOptions {
  return {
    // The owner's store (the outbox, the image queue) is the session state that matters; a clean session
    // avoids the broker replaying half-finished exchanges with packet ids this client has already reused.
    ...cleanSessionOptions(o, { reconnectMs: o.reconnectMinMs }),
    keepalive: o.keepaliveSeconds,
    outgoingStore: nullStore,
    queueQoSZero: false,
    ...(o.status && { will: { topic: o.status.topic, payload: o.status.will(), qos: 1, retain: true } }),
  };
}

/**
 * One MQTT connection to the broker: the client, its last will and the birth on every connection (when it has
 * a status), the reconnect backoff, and why the broker refused us. The bridge's (with its status) and the image
 * publisher's (without: an image link that drops must not say the camera went offline) are each one of these.
 * What flows over it is the publisher's business (publisher.ts, evidence-queue/publisher.ts).
 */
export class BrokerConnection {
  readonly client: MqttClient;
  /** The broker's last refusal of our credentials, until a connection succeeds: lets callers say why. */
  authRefused: string | undefined;
  private everConnected = false;
  private stableTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly o: ConnectionOptions,
    events: ConnectionEvents,
  ) {
    warmVarByteIntCache();
    const client = mqtt.connect(o.url, clientOptions(o));
    this.client = client;
    client.on('connect', (connack) => {
      this.authRefused = undefined;
      const again = this.everConnected;
      this.everConnected = true;
      // Back to the shortest backoff only once this connection has lasted: a broker that accepts and then
      // drops us (an ACL refusal does exactly that in Mosquitto 2.0) must not get a reconnect storm.
      clearTimeout(this.stableTimer);
      this.stableTimer = setTimeout(() => {
        if (!this.ended && client.connected) client.options.reconnectPeriod = o.reconnectMinMs;
      }, STABLE_CONNECTION_MS);
      this.stableTimer.unref();
      events.connected(connack.properties?.receiveMaximum, again);
    });
    client.on('message', (topic, payload) => events.message?.(topic, payload));
    client.on('close', () => {
      events.lost();
      if (this.ended) return;
      // The owner resends these; MQTT.js would keep their callbacks forever (and end() would wait on them).
      client.outgoing = {};
      client.options.reconnectPeriod = Math.min(o.reconnectMaxMs, (client.options.reconnectPeriod ?? 1000) * 2);
    });
    client.on('reconnect', () => {
      if (client.options.will && o.status) client.options.will.payload = o.status.will();
    });
    client.on('error', (err) => this.onError(err, events));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  private onError(err: Error, events: ConnectionEvents): void {
    // MQTT.js reconnects on its own; an auth refusal is logged louder because only an operator can fix it.
    const code = (err as { code?: unknown }).code;
    const auth = code === 4 || code === 5 || code === 134 || code === 135;
    if (auth) this.authRefused = err.message;
    if (events.error) return events.error(err);
    this.o.logger[auth ? 'error' : 'warn'](
      { err: err.message, code, broker: redactUrl(this.o.url) },
      auth ? 'broker refused the credentials' : 'broker connection error',
    );
  }

  /** The retained `online` status sent at every connection; nothing without a status. */
  publishBirth(): void {
    const { status, logger } = this.o;
    if (!status) return;
    this.client.publish(status.topic, status.birth(), { qos: 1, retain: true }, (err) => {
      // Without this, an ACL that refuses the status topic is invisible: the broker answers 0x87 and
      // (Mosquitto 2.0) drops the connection before any detection is acknowledged.
      if (err instanceof ErrorWithReasonCode) {
        logger.error(
          { topic: status.topic, code: err.code, reason: err.message },
          "broker refused the status publish; check this camera's ACL",
        );
      }
    });
  }

  /**
   * Disconnects cleanly; whatever is still unacknowledged stays with the owner. A clean DISCONNECT must not
   * wait for it, and must not be skipped either, or the broker would publish the last will over our `offline`.
   */
  async end(): Promise<void> {
    this.ended = true;
    clearTimeout(this.stableTimer);
    this.client.outgoing = {};
    await this.client.endAsync(!this.client.connected);
  }
}

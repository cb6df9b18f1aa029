import { Readable } from 'node:stream';
import mqtt, { type IClientOptions, type IStore, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { cleanSessionOptions, type MqttClientIdentity } from '../../plumbing/mqtt-client-options.ts';
import { redactUrl } from '../../plumbing/redact.ts';

/** A connection that lasts this long resets the reconnect backoff to its shortest delay. */
const STABLE_CONNECTION_MS = 5_000;

export interface EvidenceConnectionOptions extends MqttClientIdentity {
  /** The bridge's broker, mqtt:// or mqtts://. */
  url: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  keepaliveSeconds: number;
  logger: Logger;
}

export interface EvidenceConnectionEvents {
  /** Every connection: the broker's Receive Maximum if it set one, and whether an earlier connection was lost. */
  connected(receiveMaximum: number | undefined, again: boolean): void;
  /** The connection is gone; MQTT.js reconnects on its own after the backoff. */
  lost(): void;
}

/**
 * MQTT.js would keep every unacknowledged PUBLISH (a megabyte each) in its own store and resend it itself;
 * the image queue already holds them on disk and resends them, so the client keeps nothing.
 */
const nullStore: IStore = {
  put: (_packet, cb) => (cb(), nullStore),
  createStream: () => Readable.from([]) as never,
  del: (packet, cb) => (cb(undefined, packet as never), nullStore),
  get: (_packet, cb) => (cb(new Error('not stored')), nullStore),
  close: (cb) => cb(),
};

/**
 * The image publisher's own MQTT connection, beside the bridge's: same broker, credentials and TLS, client id
 * `<bridge client id>-evidence`, a clean session and no last will (the camera's liveness is the bridge's
 * business; an image link that drops must not say the camera went offline). Reconnects with a backoff that
 * doubles up to `reconnectMaxMs` and resets once a connection has lasted.
 */
export class EvidenceConnection {
  readonly client: MqttClient;
  private everConnected = false;
  private stableTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(o: EvidenceConnectionOptions, events: EvidenceConnectionEvents) {
    const options: IClientOptions = {
      ...cleanSessionOptions(o, { reconnectMs: o.reconnectMinMs }),
      keepalive: o.keepaliveSeconds,
      outgoingStore: nullStore,
      queueQoSZero: false,
    };
    const client = mqtt.connect(o.url, options);
    this.client = client;
    client.on('connect', (connack) => {
      const again = this.everConnected;
      this.everConnected = true;
      clearTimeout(this.stableTimer);
      this.stableTimer = setTimeout(() => {
        if (!this.ended && client.connected) client.options.reconnectPeriod = o.reconnectMinMs;
      }, STABLE_CONNECTION_MS);
      this.stableTimer.unref();
      events.connected(connack.properties?.receiveMaximum, again);
    });
    client.on('close', () => {
      events.lost();
      if (this.ended) return;
      // The queue resends these; MQTT.js would keep their callbacks forever (and end() would wait on them).
      client.outgoing = {};
      client.options.reconnectPeriod = Math.min(o.reconnectMaxMs, (client.options.reconnectPeriod ?? 1000) * 2);
    });
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      o.logger.warn({ err: err.message, code, broker: redactUrl(o.url) }, 'evidence connection error');
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Disconnects; whatever is unacknowledged stays in the queue for the next start. */
  async end(): Promise<void> {
    this.ended = true;
    clearTimeout(this.stableTimer);
    this.client.outgoing = {};
    await this.client.endAsync(!this.client.connected);
  }
}

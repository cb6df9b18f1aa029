import type { EventEmitter } from 'node:events';

/** One PUBLISH the broker handed us. Acknowledge it with `session.ack(delivery)` once it is committed. */
export interface Delivery {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  /** Set when the broker says this is a redelivery. */
  dup: boolean;
  /** The connection it arrived on; an ack for a previous connection is ignored (the broker redelivers). */
  connection: number;
  /** Packet identifier (QoS 1), per connection. */
  messageId: number | undefined;
}

export interface SubscriberSessionOptions {
  url: string;
  clientId: string;
  /** Topic filters to subscribe at QoS 1, e.g. `$share/seamline/vision/+/+/+/detection`. */
  filters: string[];
  /** MQTT version: 5 (default) or 4 (MQTT 3.1.1); `--protocol` of `seamline consumer`. */
  protocol?: 4 | 5;
  /** MQTT 5 Receive Maximum we advertise: how many unacknowledged QoS 1 messages may be in flight. */
  receiveMaximum?: number;
  /**
   * MQTT 5 session expiry, seconds; with clean start off, the broker keeps our session and queue this long.
   * Default {@link DEFAULT_SESSION_EXPIRY_SECONDS}, the same as `seamline consumer --session-expiry`.
   */
  sessionExpiry?: number;
  /** Seconds between PINGREQs (default 30); a PINGRESP missing by the next one counts as a dead connection. */
  keepaliveSeconds?: number;
  /** `start()` rejects with SEAM_ERR_BROKER_UNAVAILABLE if no subscription is in place this long (default 30,000). */
  connectTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap, milliseconds (defaults 100 and 5,000), with jitter. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  username?: string;
  password?: string;
  /** TLS: set for mqtts:// URLs. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * A subscriber that keeps many QoS 1 messages in flight and sends their PUBACKs in arrival order
 * only when told to. Events: 'message' (Delivery), 'connect' ({ sessionPresent, connection }),
 * 'disconnect' (Error | undefined), 'error' (SeamError; fatal ones stop reconnecting),
 * 'warning' ({ filter, reasonCode }: the broker refused a subscription, e.g. `$share/` on a broker without
 * shared subscriptions; the session keeps running and the caller decides).
 */
export interface SubscriberSession extends EventEmitter {
  /** Connects and subscribes; resolves on the first SUBACK, reconnects on its own afterwards. */
  start(): Promise<void>;
  /** Marks a delivery done; PUBACKs go out in the order the messages arrived, once all before them are done. */
  ack(delivery: Delivery): void;
  /** Stops reading from the socket (the broker then holds the rest) / starts again. */
  pause(): void;
  resume(): void;
  /** Deliveries received on the current connection and not yet acknowledged. */
  readonly inFlight: number;
  /**
   * Publishes at QoS 0 on this connection when connected; returns false (and sends nothing) otherwise.
   * For best-effort notices only: nothing is retried.
   */
  publishQos0(topic: string, payload: Buffer): boolean;
  /** Disconnects cleanly; unacknowledged messages stay with the broker. */
  close(): Promise<void>;
}

/** One day: a consumer away for a night's outage comes back to its queue; one gone for good frees it a day later. */
export const DEFAULT_SESSION_EXPIRY_SECONDS = 86_400;

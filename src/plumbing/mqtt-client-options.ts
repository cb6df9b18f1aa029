import type { IClientOptions } from 'mqtt';

/** Who an MQTT.js client is and how it proves it, as every Seamline client's options name it. */
export interface MqttClientIdentity {
  clientId: string;
  /** MQTT version: 5, or 4 for 3.1.1 (MQTT.js calls it protocolVersion). */
  protocol: 4 | 5;
  username?: string;
  password?: string;
  /** TLS material for mqtts://. */
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
}

export interface CleanSessionTiming {
  /** Gives up on a connection attempt after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Waits this long before reconnecting (default 1 s). */
  reconnectMs?: number;
}

/**
 * MQTT.js options for a client with a clean session, which leaves nothing behind at the broker when it goes:
 * the repairer's link, the dead-letter replay, the edge bridge (which adds its own keepalive, store and will).
 */
export function cleanSessionOptions(o: MqttClientIdentity, timing: CleanSessionTiming = {}): IClientOptions {
  return {
    clientId: o.clientId,
    protocolVersion: o.protocol,
    clean: true,
    reconnectPeriod: timing.reconnectMs ?? 1_000,
    connectTimeout: timing.connectTimeoutMs ?? 10_000,
    username: o.username,
    password: o.password,
    ca: o.ca,
    cert: o.cert,
    key: o.key,
  };
}

import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SeamError, isSeamError, statusTopic, type CameraId } from '../../contract/index.ts';
import type { StatusExtras } from './status.ts';
import type { FsyncPolicy, OverflowPolicy } from '../outbox/options.ts';

/**
 * Everything a bridge can be told. The options an operator sets carry the names of `seamline edge`'s flags
 * and config-file keys (`url` is `--url`, `replayMaxAge` is `--replay-max-age`, ...), so the command hands
 * them over without renaming a key (src/cli/config/edge.ts checks that at compile time). Durations without
 * a unit in their name are seconds, as on the command line.
 */
export interface BridgeOptions {
  /** Broker URL, mqtt://host:port or mqtts://host:port. */
  url: string;
  /** MQTT protocol version: 5 (default), or 4 for MQTT 3.1.1 brokers such as the embedded Aedes. */
  protocol?: 4 | 5;
  /** Stable MQTT client id, one per camera host; a second client with the same id takes the session over. */
  clientId: string;
  region: string;
  site: string;
  /** Camera of inputs that name none, and of the status topic. */
  camera: string;
  /** Directory of the durable outbox (an LMDB environment). One bridge per directory. */
  dataDir: string;
  /** Byte bound of the outbox: waiting events and the replay window together. Default 4 GiB. */
  maxBytes?: number;
  /** Byte bound of the replay window (acknowledged events kept for repair); 0 turns it off. Default 2 GiB. */
  replayMaxBytes?: number;
  /** Age bound of the replay window, seconds since an event was accepted. Default 86,400 (a day). */
  replayMaxAge?: number;
  /** Policy when the outbox is full: `drop-oldest` (default, counted) or `reject-new` (SEAM_ERR_OUTBOX_FULL). */
  overflow?: OverflowPolicy;
  /** What a power loss may cost: `always` (default), `batch`, `never`; see docs/edge.md. */
  fsync?: FsyncPolicy;
  /** Most PUBLISHes awaiting PUBACK at once (default 1000); capped by the broker's Receive Maximum. */
  maxInFlight?: number;
  /** Seconds between status heartbeats (default 10). */
  heartbeat?: number;
  username?: string;
  /** Never logged. The command reads it from $SEAMLINE_MQTT_PASSWORD, never from a flag. */
  password?: string;
  /** TLS material (PEM contents) for mqtts:// brokers; the command reads it from the files `--ca`, `--cert`, `--key` name. */
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;

  // Set by programs only (tests, `npm start`, the benches), not by flags:

  /** Seconds between repair announcements (retained, on each camera's repair-answer topic). Default 60. */
  announceSeconds?: number;
  /** Reconnect backoff: first delay and cap in milliseconds (defaults 250 and 10,000). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** MQTT keepalive in seconds (default 30). */
  keepaliveSeconds?: number;
  /** How long `close()` keeps publishing to empty the outbox before it disconnects (default 5,000 ms). */
  closeTimeoutMs?: number;
  logger?: Logger;
  /** prom-client registry for the edge metrics; a private one when omitted (see `bridge.registry`). */
  registry?: Registry;
  /** Extra heartbeat counters of whatever feeds this bridge in-process: the camera pipeline's frames and model time, its evidence. */
  statusExtra?: () => StatusExtras;
}

/** The options with their defaults, checked; the outbox applies and checks its own (outbox/options.ts). */
export type BridgeSettings = BridgeOptions &
  Required<Pick<BridgeOptions, Defaulted>> & {
    /** The bridge's own camera. */
    id: CameraId;
  };

type Defaulted =
  | 'protocol'
  | 'maxInFlight'
  | 'heartbeat'
  | 'reconnectMinMs'
  | 'reconnectMaxMs'
  | 'keepaliveSeconds'
  | 'closeTimeoutMs'
  | 'logger';

function config(value: boolean, field: string, reason: string): void {
  if (!value) throw new SeamError('SEAM_ERR_CONFIG', `${field} ${reason}`, { field });
}

/** Applies the defaults; a missing or out-of-range option is SEAM_ERR_CONFIG naming it. */
export function bridgeSettings(options: BridgeOptions): BridgeSettings {
  config(typeof options.url === 'string' && options.url !== '', 'url', 'is required');
  config(typeof options.clientId === 'string' && options.clientId !== '', 'clientId', 'is required');
  config(typeof options.dataDir === 'string' && options.dataDir !== '', 'dataDir', 'is required');
  const protocol = options.protocol ?? 5;
  config(protocol === 4 || protocol === 5, 'protocol', 'must be 5 or 4');
  const maxInFlight = options.maxInFlight ?? 1000;
  config(Number.isInteger(maxInFlight) && maxInFlight >= 1 && maxInFlight <= 65_000, 'maxInFlight', 'must be an integer 1..65000');
  const heartbeat = options.heartbeat ?? 10;
  config(heartbeat > 0, 'heartbeat', 'must be > 0');
  const id: CameraId = { region: options.region, site: options.site, camera: options.camera };
  try {
    // The status topic holds all three identifiers: building it checks them, naming the one at fault.
    statusTopic(id);
  } catch (err) {
    const field = isSeamError(err) ? (err.field ?? 'camera') : 'camera';
    throw new SeamError('SEAM_ERR_CONFIG', isSeamError(err) ? err.message : String(err), { field, cause: err });
  }
  return {
    ...options,
    protocol,
    maxInFlight,
    heartbeat,
    reconnectMinMs: options.reconnectMinMs ?? 250,
    reconnectMaxMs: options.reconnectMaxMs ?? 10_000,
    keepaliveSeconds: options.keepaliveSeconds ?? 30,
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
    logger: options.logger ?? pino({ level: 'silent' }),
    id,
  };
}

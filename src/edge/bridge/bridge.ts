import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { SeamError, isSeamError, type CameraId, type InferenceCounters } from '../../contract/index.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import { encodeDetection, prepareDetection, type EdgeDetectionInput } from '../inputs/record.ts';
import { EdgeMetrics } from './metrics.ts';
import { Outbox, type FsyncPolicy, type OverflowPolicy } from '../outbox/outbox.ts';
import { Publisher } from './publisher.ts';
import { RepairServer } from './repair-server.ts';
import { StatusMessages, startHeartbeat, type HeartbeatCounters } from './status.ts';

export interface BridgeOptions {
  /** mqtt://host:port or mqtts://host:port. */
  brokerUrl: string;
  /** Stable MQTT client id, one per camera host; a second client with the same id takes the session over. */
  clientId: string;
  /** 5 (default) or 4 for MQTT 3.1.1 brokers such as the embedded Aedes. */
  protocolVersion?: 4 | 5;
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
  replayMaxAgeSeconds?: number;
  /** Seconds between repair announcements (retained, on each camera's repair-answer topic). Default 60. */
  announceSeconds?: number;
  /** Policy when the outbox is full: `drop-oldest` (default, counted) or `reject-new` (SEAM_ERR_OUTBOX_FULL). */
  overflow?: OverflowPolicy;
  /** What a power loss may cost: `always` (default), `batch`, `never`; see docs/edge.md. */
  fsync?: FsyncPolicy;
  /** Most PUBLISHes awaiting PUBACK at once (default 1000); capped by the broker's Receive Maximum. */
  maxInFlight?: number;
  /** Seconds between status heartbeats (default 10). */
  heartbeatSeconds?: number;
  /** Reconnect backoff: first delay and cap in milliseconds (defaults 250 and 10,000). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** MQTT keepalive in seconds (default 30). */
  keepaliveSeconds?: number;
  /** How long `close()` keeps publishing to empty the outbox before it disconnects (default 5,000 ms). */
  closeTimeoutMs?: number;
  username?: string;
  /** Never logged. */
  password?: string;
  /** TLS material (PEM) for mqtts:// brokers. */
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  logger?: Logger;
  /** prom-client registry for the edge metrics; a private one when omitted (see `bridge.registry`). */
  registry?: Registry;
  /** Extra heartbeat counters of whatever feeds this bridge in-process: the camera pipeline's frames and model time. */
  statusExtra?: () => Partial<InferenceCounters>;
}

export interface BridgeStats {
  outbox_depth: number;
  outbox_bytes: number;
  /** Age of the oldest event still in the outbox, 0 when empty. */
  oldest_unsent_ms: number;
  accepted: number;
  refused: number;
  /** PUBLISH packets sent, redeliveries after a reconnect included. */
  published: number;
  acked: number;
  dropped: number;
  /** Acknowledged events kept for repair (the replay window), and their bytes. */
  replay_depth: number;
  replay_bytes: number;
  /** Acknowledged events that left the replay window since the bridge started. */
  evicted: number;
  frames: number;
  detections: number;
  reconnects: number;
  in_flight: number;
  connected: boolean;
  /** Repair requests answered, and events republished for them (PUBACKed). */
  repair_requests: number;
  republished: number;
}

export interface Bridge {
  /** Opens nothing new (the outbox opens in createBridge); connects and starts draining. Does not wait for the broker. */
  start(): Promise<void>;
  /**
   * Validates, assigns event_id and seq, and stores the event; resolves once it is durable (per `fsync`).
   * Rejects with SEAM_ERR_INVALID_INPUT naming the field, or SEAM_ERR_OUTBOX_FULL under reject-new.
   */
  accept(input: EdgeDetectionInput | unknown): Promise<{ event_id: string; seq: number }>;
  stats(): BridgeStats;
  /** Resolves once connected to the broker, or rejects with SEAM_ERR_BROKER_UNAVAILABLE after `timeoutMs`. */
  waitForConnection(timeoutMs?: number): Promise<void>;
  /** Resolves true once the outbox is empty and nothing is in flight, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops accepting, drains for up to `closeTimeoutMs`, publishes retained `offline`, disconnects, closes the outbox. */
  close(): Promise<void>;
  readonly registry: Registry;
  readonly outbox: Outbox;
}

function config(value: boolean, field: string, reason: string): void {
  if (!value) throw new SeamError('SEAM_ERR_CONFIG', `${field} ${reason}`, { field });
}

/** Creates the edge bridge: opens the outbox now, connects on `start()`. See docs/edge.md. */
export function createBridge(options: BridgeOptions): Bridge {
  config(typeof options.brokerUrl === 'string' && options.brokerUrl !== '', 'brokerUrl', 'is required');
  config(typeof options.clientId === 'string' && options.clientId !== '', 'clientId', 'is required');
  config(typeof options.dataDir === 'string' && options.dataDir !== '', 'dataDir', 'is required');
  const protocolVersion = options.protocolVersion ?? 5;
  config(protocolVersion === 4 || protocolVersion === 5, 'protocolVersion', 'must be 5 or 4');
  const maxInFlight = options.maxInFlight ?? 1000;
  config(Number.isInteger(maxInFlight) && maxInFlight >= 1 && maxInFlight <= 65_000, 'maxInFlight', 'must be an integer 1..65000');
  const heartbeatSeconds = options.heartbeatSeconds ?? 10;
  config(heartbeatSeconds > 0, 'heartbeatSeconds', 'must be > 0');
  const id: CameraId = { region: options.region, site: options.site, camera: options.camera };
  let status: StatusMessages;
  try {
    status = new StatusMessages(id);
  } catch (err) {
    const field = isSeamError(err) ? (err.field ?? 'camera') : 'camera';
    throw new SeamError('SEAM_ERR_CONFIG', isSeamError(err) ? err.message : String(err), { field, cause: err });
  }
  const logger = options.logger ?? pino({ level: 'silent' });
  const registry = options.registry ?? new Registry();
  const counts = {
    accepted: 0,
    refused: 0,
    published: 0,
    acked: 0,
    frames: 0,
    detections: 0,
    reconnects: 0,
    repairRequests: 0,
    republished: 0,
  };
  const startedAt = Date.now();
  let lastDropLog = 0;
  let dropsSinceLog = 0;

  const oldestUnsentMs = () => {
    const at = outbox.oldestAcceptedAt();
    return at === undefined ? 0 : Math.max(0, Date.now() - at);
  };
  const metrics = new EdgeMetrics(registry, {
    clientId: options.clientId,
    depth: () => outbox.stats().depth,
    bytes: () => outbox.stats().bytes,
    windowDepth: () => outbox.stats().windowDepth,
    windowBytes: () => outbox.stats().windowBytes,
    oldestUnsentSeconds: () => oldestUnsentMs() / 1000,
  });
  // The metrics come first: opening the outbox may already evict (bounds lowered since the last run).
  let outbox: Outbox;
  try {
    outbox = new Outbox({
      path: options.dataDir,
      maxBytes: options.maxBytes,
      overflow: options.overflow,
      fsync: options.fsync,
      replayMaxBytes: options.replayMaxBytes,
      replayMaxAgeMs: options.replayMaxAgeSeconds === undefined ? undefined : options.replayMaxAgeSeconds * 1000,
      onEvict: (count) => metrics.evicted(count),
      onDrop(count, bytes) {
        metrics.dropped(count);
        dropsSinceLog += count;
        // Rate-limited: a full outbox under drop-oldest drops on every accept.
        if (Date.now() - lastDropLog >= 1000) {
          logger.warn(
            { dropped: dropsSinceLog, bytes, maxBytes: outbox.maxBytes, total: outbox.stats().dropped },
            'outbox full: dropped oldest events',
          );
          lastDropLog = Date.now();
          dropsSinceLog = 0;
        }
      },
    });
  } catch (err) {
    metrics.detach();
    throw err;
  }
  const heartbeat = (): HeartbeatCounters & Partial<InferenceCounters> => {
    const s = outbox.stats();
    return {
      ...options.statusExtra?.(),
      outbox_depth: s.depth,
      outbox_bytes: s.bytes,
      oldest_unsent_ms: Math.round(oldestUnsentMs()),
      frames: counts.frames,
      detections: counts.detections,
      drops: s.dropped,
      uptime_s: Math.floor((Date.now() - startedAt) / 1000),
    };
  };
  const publisher: Publisher = new Publisher(outbox, {
    brokerUrl: options.brokerUrl,
    clientId: options.clientId,
    protocolVersion,
    username: options.username,
    password: options.password,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    maxInFlight,
    reconnectMinMs: options.reconnectMinMs ?? 250,
    reconnectMaxMs: options.reconnectMaxMs ?? 10_000,
    keepaliveSeconds: options.keepaliveSeconds ?? 30,
    statusTopic: status.topic,
    birth: () => status.online(heartbeat()),
    will: () => status.offline(),
    logger,
    onPublished: (n) => {
      counts.published += n;
      metrics.published(n);
    },
    onAcked: (_position, latency) => {
      counts.acked++;
      metrics.acked(latency);
    },
    onReconnected: () => {
      counts.reconnects++;
      metrics.reconnected();
    },
    subscriptions: (): string[] => repair?.topics() ?? [],
    onMessage: (topic, payload) => repair?.handle(topic, payload),
    onConnected: () => void repair?.announce(),
    onRepublished: (n) => {
      counts.republished += n;
      metrics.republished(n);
    },
  });
  // Without a replay window there is nothing to repair from: such a bridge neither listens nor announces.
  const repair: RepairServer | undefined =
    outbox.replayMaxBytes > 0
      ? new RepairServer({
          outbox,
          publisher,
          camera: id,
          logger,
          announceSeconds: options.announceSeconds,
          onRequest: (result) => {
            if (result === 'answered') counts.repairRequests++;
            metrics.repairRequest(result);
          },
          onAnswered: (outcome, seqs) => metrics.repairAnswered(outcome, seqs),
        })
      : undefined;

  let state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  let stopHeartbeat: (() => void) | undefined;
  const pending = new Set<Promise<unknown>>();

  const refuse = (err: unknown): never => {
    counts.refused++;
    if (isSeamError(err)) metrics.refused(err.code);
    throw err;
  };

  async function accept(input: unknown): Promise<{ event_id: string; seq: number }> {
    if (state === 'closing' || state === 'closed') {
      throw new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', 'the edge bridge is closing and accepts no more events', { field: 'bridge' });
    }
    let durable: Promise<void>;
    let event_id: string;
    let seq: number;
    let boxes: number;
    // Everything up to outbox.append runs in one synchronous stretch, so the seq peeked here is the
    // one the append consumes, even with many accepts outstanding.
    try {
      const prepared = prepareDetection(input, id);
      seq = outbox.peekSeq(prepared.stream);
      prepared.message.seq = seq;
      event_id = prepared.message.event_id;
      boxes = prepared.message.detections.length;
      durable = outbox.append(prepared.topic, encodeDetection(prepared.message), prepared.stream, seq).durable;
      repair?.ensureStream(prepared.stream);
    } catch (err) {
      return refuse(err);
    }
    pending.add(durable);
    try {
      await durable;
    } finally {
      pending.delete(durable);
    }
    counts.accepted++;
    counts.frames++;
    counts.detections += boxes;
    metrics.accepted();
    publisher.schedule();
    return { event_id, seq };
  }

  return {
    registry,
    outbox,
    async start() {
      if (state !== 'new') throw new SeamError('SEAM_ERR_CONFIG', `start() called on a ${state} bridge`, { field: 'bridge' });
      state = 'running';
      publisher.start();
      publisher.schedule();
      repair?.start();
      stopHeartbeat = startHeartbeat(heartbeatSeconds, () => void publisher.publishStatus(status.online(heartbeat())));
    },
    accept,
    stats() {
      // The heartbeat's outbox and frame counters, plus what only the local caller needs.
      const { outbox_depth, outbox_bytes, oldest_unsent_ms, frames, detections, drops } = heartbeat();
      const o = outbox.stats();
      return {
        outbox_depth,
        outbox_bytes,
        oldest_unsent_ms,
        accepted: counts.accepted,
        refused: counts.refused,
        published: counts.published,
        acked: counts.acked,
        dropped: drops,
        replay_depth: o.windowDepth,
        replay_bytes: o.windowBytes,
        evicted: o.evicted,
        frames,
        detections,
        reconnects: counts.reconnects,
        in_flight: publisher.inFlightCount,
        connected: publisher.connected,
        repair_requests: counts.repairRequests,
        republished: counts.republished,
      };
    },
    async waitForConnection(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!publisher.connected) {
        if (Date.now() > until) {
          const where = redactUrl(options.brokerUrl);
          if (publisher.authRefused) {
            throw new SeamError('SEAM_ERR_BROKER_AUTH', `${where} refused this bridge's credentials (${publisher.authRefused})`, {
              field: 'username',
            });
          }
          throw new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `not connected to ${where} after ${timeoutMs} ms`, { field: 'brokerUrl' });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    drain: (timeoutMs) => publisher.drain(timeoutMs),
    async close() {
      if (state === 'closing' || state === 'closed') return;
      const wasRunning = state === 'running';
      state = 'closing';
      stopHeartbeat?.();
      repair?.stop();
      await Promise.allSettled([...pending]);
      // Drain even if not connected yet: a short-lived bridge (stdin ended) may still be connecting. With the
      // broker down this costs closeTimeoutMs, and the outbox keeps everything for the next start.
      if (wasRunning) {
        await publisher.drain(options.closeTimeoutMs ?? 5000);
        await publisher.publishStatus(status.offline(heartbeat()));
      }
      await publisher.stop();
      metrics.detach();
      await outbox.close();
      state = 'closed';
      logger.info({ ...outbox.stats(), acked: counts.acked }, 'edge bridge closed');
    },
  };
}

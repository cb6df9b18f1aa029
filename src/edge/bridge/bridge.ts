import { Registry } from 'prom-client';
import { SeamError } from '../../contract/index.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import { Outbox } from '../outbox/outbox.ts';
import { AcceptPath, dropLog } from './accept.ts';
import { BridgeCounters, type BridgeStats } from './counters.ts';
import { EdgeMetrics } from './metrics.ts';
import { bridgeSettings, type BridgeOptions, type BridgeSettings } from './options.ts';
import { Publisher } from './publisher.ts';
import type { EdgeDetectionInput } from './record.ts';
import { RepairServer } from './repair-server.ts';
import { heartbeatCounters, startHeartbeat, StatusMessages } from './status.ts';

export type { BridgeOptions } from './options.ts';
export type { BridgeStats } from './counters.ts';

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

/** Creates the edge bridge: opens the outbox now, connects on `start()`. See docs/edge.md. */
export function createBridge(options: BridgeOptions): Bridge {
  return new EdgeBridge(bridgeSettings(options));
}

/**
 * The bridge's parts wired together, and its lifecycle (start, close). The parts: options.ts (checks and
 * defaults), the outbox (../outbox/), accept.ts (a record on its way in), publisher.ts and connection.ts
 * (the MQTT side), repair-server.ts (answers from the replay window), status.ts (birth, will, heartbeat),
 * counters.ts (the one set of counters, which metrics.ts and the heartbeat read).
 */
class EdgeBridge implements Bridge {
  readonly registry: Registry;
  readonly outbox: Outbox;
  private readonly counters = new BridgeCounters();
  private readonly status: StatusMessages;
  private readonly metrics: EdgeMetrics;
  private readonly publisher: Publisher;
  private readonly repair: RepairServer | undefined;
  private readonly intake: AcceptPath;
  private readonly startedAt = Date.now();
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private stopHeartbeat: (() => void) | undefined;

  constructor(private readonly settings: BridgeSettings) {
    const s = settings;
    this.status = new StatusMessages(s.id);
    this.registry = s.registry ?? new Registry();
    const outbox: Outbox = new Outbox({
      path: s.dataDir,
      maxBytes: s.maxBytes,
      overflow: s.overflow,
      fsync: s.fsync,
      replayMaxBytes: s.replayMaxBytes,
      replayMaxAgeMs: s.replayMaxAge === undefined ? undefined : s.replayMaxAge * 1000,
      onDrop: dropLog(s.logger, () => outbox),
    });
    this.outbox = outbox;
    this.metrics = new EdgeMetrics(this.registry, { clientId: s.clientId, counters: this.counters, outbox });
    this.publisher = this.createPublisher();
    // Without a replay window there is nothing to repair from: such a bridge neither listens nor announces.
    this.repair =
      outbox.replayMaxBytes > 0
        ? new RepairServer({
            outbox,
            publisher: this.publisher,
            camera: s.id,
            logger: s.logger,
            announceSeconds: s.announceSeconds,
            onRequest: (result) => void this.counters.repairRequests[result]++,
            onAnswered: (outcome, seqs) => this.counters.answered(outcome, seqs),
          })
        : undefined;
    this.intake = new AcceptPath({ camera: s.id, outbox, counters: this.counters, publisher: this.publisher, repair: this.repair });
  }

  private createPublisher(): Publisher {
    const s = this.settings;
    const c = this.counters;
    return new Publisher(this.outbox, {
      url: s.url,
      clientId: s.clientId,
      protocol: s.protocol,
      username: s.username,
      password: s.password,
      ca: s.ca,
      cert: s.cert,
      key: s.key,
      maxInFlight: s.maxInFlight,
      reconnectMinMs: s.reconnectMinMs,
      reconnectMaxMs: s.reconnectMaxMs,
      keepaliveSeconds: s.keepaliveSeconds,
      statusTopic: this.status.topic,
      birth: () => this.status.online(this.heartbeat()),
      will: () => this.status.offline(),
      logger: s.logger,
      onPublished: (n) => void (c.published += n),
      onAcked: (_position, latency) => {
        c.acked++;
        this.metrics.ackLatency(latency);
      },
      onReconnected: () => void c.reconnects++,
      subscriptions: (): string[] => this.repair?.topics() ?? [],
      onMessage: (topic, payload) => this.repair?.handle(topic, payload),
      onConnected: () => void this.repair?.announce(),
      onRepublished: (n) => void (c.republished += n),
    });
  }

  private heartbeat() {
    return heartbeatCounters(this.counters, this.outbox, this.startedAt, this.settings.statusExtra);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new SeamError('SEAM_ERR_CONFIG', `start() called on a ${this.state} bridge`, { field: 'bridge' });
    this.state = 'running';
    this.publisher.start();
    this.publisher.schedule();
    this.repair?.start();
    this.stopHeartbeat = startHeartbeat(
      this.settings.heartbeat,
      () => void this.publisher.publishStatus(this.status.online(this.heartbeat())),
    );
  }

  accept(input: unknown): Promise<{ event_id: string; seq: number }> {
    return this.intake.accept(input);
  }

  stats(): BridgeStats {
    return this.counters.stats(this.outbox, { inFlight: this.publisher.inFlightCount, connected: this.publisher.connected });
  }

  async waitForConnection(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.publisher.connected) {
      if (Date.now() > until) {
        const where = redactUrl(this.settings.url);
        if (this.publisher.authRefused) {
          throw new SeamError('SEAM_ERR_BROKER_AUTH', `${where} refused this bridge's credentials (${this.publisher.authRefused})`, {
            field: 'username',
          });
        }
        throw new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `not connected to ${where} after ${timeoutMs} ms`, { field: 'url' });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  drain(timeoutMs: number): Promise<boolean> {
    return this.publisher.drain(timeoutMs);
  }

  async close(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closing';
    this.stopHeartbeat?.();
    this.repair?.stop();
    await this.intake.close();
    // Drain even if not connected yet: a short-lived bridge (stdin ended) may still be connecting. With the
    // broker down this costs closeTimeoutMs, and the outbox keeps everything for the next start.
    if (wasRunning) {
      await this.publisher.drain(this.settings.closeTimeoutMs);
      await this.publisher.publishStatus(this.status.offline(this.heartbeat()));
    }
    await this.publisher.stop();
    this.metrics.detach();
    await this.outbox.close();
    this.state = 'closed';
    this.settings.logger.info({ ...this.outbox.stats(), acked: this.counters.acked }, 'edge bridge closed');
  }
}

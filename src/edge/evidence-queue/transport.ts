import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { MqttClientIdentity } from '../../plumbing/mqtt-client-options.ts';
import { checkBytesPerSecond } from './byte-rate.ts';
import { EvidenceMetrics } from './metrics.ts';
import type { EvidenceFsyncPolicy } from './options.ts';
import { EvidencePublisher } from './publisher.ts';
import { EvidenceQueue, type EvidenceQueueStats } from './queue.ts';

export interface EvidenceTransportOptions extends MqttClientIdentity {
  /** The bridge's broker URL; `clientId`, credentials and TLS are the bridge's too (the client id gets `-evidence`). */
  url: string;
  /** The bridge's data directory: the image queue lives in `<dataDir>/evidence`, its own LMDB environment. */
  dataDir: string;
  /** Byte bound of the image queue (default 256 MiB). */
  maxBytes?: number;
  fsync?: EvidenceFsyncPolicy;
  /** Images awaiting PUBACK at once (default 2). */
  maxInFlight?: number;
  /** Bytes a second the images may take on average (bursts of a megabyte); 0 (default): no limit. */
  maxBytesPerSecond?: number;
  /** Reconnect backoff: first delay and cap, ms (defaults 250 and 10,000, as the bridge). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  keepaliveSeconds?: number;
  logger?: Logger;
  /** prom-client registry for the seamline_edge_evidence_* metrics; a private one when omitted. */
  registry?: Registry;
}

/** The image queue's directory under a bridge's data directory. */
export const evidenceQueuePath = (dataDir: string) => join(dataDir, 'evidence');
/** The image publisher's client id: the bridge's, so a broker's ACL and logs tie the two together. */
export const evidenceClientId = (bridgeClientId: string) => `${bridgeClientId}-evidence`;

/**
 * The edge's image transport: the queue (an EvidenceSink for capture to offer to), its publisher on its own
 * connection, and their metrics. Opens the queue now; connects on `start()`.
 */
export class EvidenceTransport {
  readonly queue: EvidenceQueue;
  readonly registry: Registry;
  private readonly publisher: EvidencePublisher;
  private readonly metrics: EvidenceMetrics;

  constructor(o: EvidenceTransportOptions) {
    checkBytesPerSecond(o.maxBytesPerSecond); // before the queue opens, so a bad option leaves nothing open
    const logger = (o.logger ?? pino({ level: 'silent' })).child({ part: 'evidence' });
    this.queue = new EvidenceQueue({ path: evidenceQueuePath(o.dataDir), maxBytes: o.maxBytes, fsync: o.fsync, logger });
    this.registry = o.registry ?? new Registry();
    this.metrics = new EvidenceMetrics(this.registry, { clientId: o.clientId, stats: () => this.queue.stats() });
    this.publisher = new EvidencePublisher(this.queue, {
      ...o,
      clientId: evidenceClientId(o.clientId),
      reconnectMinMs: o.reconnectMinMs ?? 250,
      reconnectMaxMs: o.reconnectMaxMs ?? 10_000,
      keepaliveSeconds: o.keepaliveSeconds ?? 30,
      logger,
      onAcked: (seconds) => this.metrics.ackLatency(seconds),
    });
  }

  start(): void {
    this.publisher.start();
    this.publisher.schedule();
  }

  get connected(): boolean {
    return this.publisher.connected;
  }

  stats(): EvidenceQueueStats & { in_flight: number; connected: boolean } {
    return { ...this.queue.stats(), in_flight: this.publisher.inFlightCount, connected: this.publisher.connected };
  }

  drain(timeoutMs: number): Promise<boolean> {
    return this.publisher.drain(timeoutMs);
  }

  /** Disconnects at once (images are not worth holding a shutdown for) and closes the queue; what is queued stays on disk. */
  async close(): Promise<void> {
    await this.publisher.stop();
    this.metrics.detach();
    await this.queue.close();
  }
}

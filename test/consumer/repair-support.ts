import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { RepairRequestV1 } from '../../src/contract/index.ts';
import { startConsumer, type ConsumerOptions, type RunningConsumer } from '../../src/consumer/consumer.ts';
import { createBridge, type Bridge, type BridgeOptions } from '../../src/edge/bridge/bridge.ts';
import { duckdbCounts, duckdbMissing, type StoredCounts } from '../../src/proof/chaos/harness/stored-counts.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import type { RepairLedger, RepairRange } from '../../src/store/repair-ledger.ts';
import { makeInput } from '../edge/support.ts';
import { waitFor } from '../helpers/wait.ts';

/** Repair settings scaled down for tests: seconds instead of minutes, same shape as the defaults. */
export const FAST_REPAIR = {
  graceMs: 1_500,
  passMs: 250,
  leaseMs: 5_000,
  verifyMs: 500,
  cameraIntervalMs: 300,
  firstRetryMs: 500,
  maxRetryMs: 2_000,
  answerTimeoutMs: 3_000,
  requestsPerSecond: 20,
  requestBurst: 20,
};

/** A request seen on the wire by a spy subscriber, with when it passed. */
export interface SeenRequest {
  at: number;
  camera: string;
  request: RepairRequestV1;
}

/**
 * Mosquitto (persistence, snapshots only on a clean stop, so a SIGKILL loses everything acknowledged since
 * the start), a DuckDB file, one consumer with its repairer, bridges in this process, and a spy on the
 * repair requests.
 */
export class RepairRig {
  readonly dir = mkdtempSync(join(tmpdir(), 'seamline-repair-'));
  readonly path = join(this.dir, 'store.duckdb');
  broker!: RunningMosquitto;
  store: DuckDbStore | undefined;
  consumer: RunningConsumer | undefined;
  spy!: MqttClient;
  readonly requests: SeenRequest[] = [];
  private readonly bridges: Bridge[] = [];
  private ids = 0;

  constructor(private readonly consumerOptions: Partial<ConsumerOptions> = {}) {}

  async start(): Promise<this> {
    this.broker = await startMosquitto();
    await this.connectSpy();
    return this;
  }

  private async connectSpy(): Promise<void> {
    this.spy = await mqtt.connectAsync(this.broker.url, {
      protocolVersion: 5,
      clientId: `repair-spy-${process.pid}-${this.ids++}`,
      reconnectPeriod: 100,
    });
    this.spy.on('message', (topic, payload) => {
      this.requests.push({ at: Date.now(), camera: topic.split('/')[3], request: JSON.parse(payload.toString()) as RepairRequestV1 });
    });
    // Resubscribed on every reconnect (after a broker crash the session is gone).
    this.spy.on('connect', () => void this.spy.subscribeAsync('vision/+/+/+/repair-request', { qos: 1 }));
    await this.spy.subscribeAsync('vision/+/+/+/repair-request', { qos: 1 });
  }

  /** Starts (or restarts) the consumer on the same store file and client id. */
  async startConsumer(repair: Record<string, unknown> = {}): Promise<RunningConsumer> {
    this.store = new DuckDbStore({ path: this.path });
    await this.store.open();
    this.consumer = await startConsumer({
      url: this.broker.url,
      clientId: 'repair-consumer',
      store: this.store,
      connectTimeoutMs: 20_000,
      ...this.consumerOptions,
      repairTuning: { ...FAST_REPAIR, ...repair },
    });
    return this.consumer;
  }

  async stopConsumer(): Promise<void> {
    await this.consumer?.stop(5_000);
    await this.store?.close();
    this.consumer = undefined;
    this.store = undefined;
  }

  ledger(): Promise<RepairLedger> {
    return this.store!.capabilities.repairLedger.open();
  }

  bridge(camera: string, overrides: Partial<BridgeOptions> = {}): Bridge {
    const b = createBridge({
      url: this.broker.url,
      clientId: `repair-bridge-${camera}-${this.ids++}`,
      region: 'eu',
      site: 'plant-1',
      camera,
      dataDir: join(this.dir, `outbox-${camera}`),
      reconnectMinMs: 50,
      reconnectMaxMs: 500,
      heartbeat: 1,
      announceSeconds: 1,
      closeTimeoutMs: 1_000,
      ...overrides,
    });
    this.bridges.push(b);
    return b;
  }

  /** Accepts `n` events; resolves with their ids and seqs. */
  static async produce(bridge: Bridge, n: number): Promise<{ event_id: string; seq: number }[]> {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await bridge.accept(makeInput()));
    return out;
  }

  /** Stored events (distinct) so far, through the store the consumer writes. */
  async stored(): Promise<number> {
    return (await this.store!.totals()).events;
  }

  /** The ranges the ledger holds for a camera, as [from, to, state, reason], adjacent ones of one kind merged. */
  async ranges(camera: string): Promise<[number, number, string, string | null][]> {
    const rows: RepairRange[] = await (await this.ledger()).ranges({ region: 'eu', site: 'plant-1', camera });
    const out: [number, number, string, string | null][] = [];
    for (const r of rows) {
      const last = out[out.length - 1];
      if (last && last[1] === r.from - 1 && last[2] === r.state && last[3] === r.reason) last[1] = r.to;
      else out.push([r.from, r.to, r.state, r.reason]);
    }
    return out;
  }

  /** Waits until no range of the camera is still being chased. */
  async settled(camera: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => (await this.ranges(camera)).every((r) => r[2] !== 'repairing'), timeoutMs, `${camera}'s ranges resolved`);
  }

  /** Stops everything, then counts the file straight from DuckDB: the verdict does not trust the code under test. */
  async verdict(ids: Iterable<string>): Promise<StoredCounts & { missing: number }> {
    await this.stopConsumer();
    return { ...(await duckdbCounts(this.path)), missing: await duckdbMissing(this.path, ids) };
  }

  async close(): Promise<void> {
    for (const b of this.bridges.splice(0)) await b.close().catch(() => {});
    await this.stopConsumer().catch(() => {});
    await this.spy?.endAsync(true).catch(() => {});
    await this.broker?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

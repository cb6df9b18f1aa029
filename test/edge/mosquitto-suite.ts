import { after, before } from 'node:test';
import { createBridge, type Bridge, type BridgeOptions } from '../../src/edge/bridge/bridge.ts';
import { startMosquitto, type RunningMosquitto } from '../../src/proof/services/mosquitto.ts';
import { tempDir } from './support.ts';

export interface MosquittoSuite {
  /** The file's Mosquitto, started before its first test. */
  readonly broker: RunningMosquitto;
  /** Run in reverse after the file's tests, before the broker closes. */
  readonly cleanups: (() => unknown)[];
  /** A bridge on that broker (short reconnect backoff, quiet heartbeats), closed after the file's tests. */
  bridge(overrides?: Partial<BridgeOptions>, dataDir?: string): Bridge;
}

/**
 * One Mosquitto per test file and the bridges its tests start, all closed after the file, so a test that
 * fails half-way leaves no bridge reconnecting into the next file's broker.
 */
export function mosquittoSuite(defaults: Partial<BridgeOptions> = {}): MosquittoSuite {
  let broker: RunningMosquitto | undefined;
  const cleanups: (() => unknown)[] = [];
  let ids = 0;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    await broker?.close();
  });
  const started = () => {
    if (!broker) throw new Error('the suite broker is not started yet: use it inside a test');
    return broker;
  };
  return {
    get broker() {
      return started();
    },
    cleanups,
    // A closure, not a method, so `const bridgeFor = suite.bridge` works.
    bridge: (overrides = {}, dataDir) => {
      const bridge = createBridge({
        url: started().url,
        clientId: `edge-test-${process.pid}-${ids++}`,
        region: 'eu',
        site: 'plant-1',
        camera: 'cam-01',
        dataDir: dataDir ?? tempDir().dir,
        reconnectMinMs: 50,
        reconnectMaxMs: 500,
        heartbeat: 60,
        ...defaults,
        ...overrides,
      });
      cleanups.push(() => bridge.close());
      return bridge;
    },
  };
}

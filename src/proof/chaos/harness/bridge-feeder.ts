import { join } from 'node:path';
import { createBridge, type Bridge } from '../../../edge/bridge/bridge.ts';
import type { BridgeOptions } from '../../../edge/bridge/options.ts';
import { SimulatedCamera } from '../../../edge/inputs/simulated-camera.ts';

export interface FeederOptions {
  brokerUrl: string;
  dir: string;
  /** Cameras, one bridge each (cam-1 ... cam-N on site `site`). */
  cameras: number;
  site: string;
  /** Events per second over all cameras. */
  rate: number;
  /** At least this many events are fed; see `moreWanted`. */
  events: number;
  /** More bridge options (outbox bounds, overflow policy, keepalive), the same for every bridge. */
  bridge?: Partial<BridgeOptions>;
}

/**
 * Bridges fed by simulated cameras at a steady rate, as camera hosts would be: what each bridge answered
 * for is kept by event id, so a verdict can say exactly which of them the store lacks.
 */
export class BridgeFeeder {
  readonly bridges: Bridge[];
  readonly accepted = new Set<string>();
  refused = 0;
  private readonly cameras: SimulatedCamera[];
  private timer: NodeJS.Timeout | undefined;
  private done!: Promise<void>;

  constructor(private readonly o: FeederOptions) {
    this.cameras = Array.from({ length: o.cameras }, (_, i) => new SimulatedCamera({ camera: `cam-${i + 1}` }));
    this.bridges = this.cameras.map((_, i) =>
      createBridge({
        url: o.brokerUrl,
        clientId: `chaos-${o.site}-cam-${i + 1}`,
        region: 'eu',
        site: o.site,
        camera: `cam-${i + 1}`,
        dataDir: join(o.dir, `outbox-${o.site}-${i + 1}`),
        reconnectMinMs: 100,
        reconnectMaxMs: 1_000,
        heartbeat: 2,
        announceSeconds: 2,
        ...o.bridge,
      }),
    );
  }

  /**
   * Starts the bridges and feeds at the rate until `events` were issued and `moreWanted()` says enough
   * (a scenario keeps the load on until its last fault has happened, however slow the machine is).
   */
  async start(moreWanted: () => boolean = () => false): Promise<void> {
    await Promise.all(this.bridges.map((b) => b.start()));
    const started = Date.now();
    let issued = 0;
    const pending = new Set<Promise<unknown>>();
    this.done = new Promise((resolve) => {
      this.timer = setInterval(() => {
        const due = Math.floor(((Date.now() - started) / 1000) * this.o.rate);
        while (issued < due && pending.size < 5_000) {
          const i = issued++ % this.bridges.length;
          const p = this.bridges[i].accept(this.cameras[i].next()).then(
            (r) => void this.accepted.add(r.event_id),
            () => void this.refused++,
          );
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
        if (issued >= this.o.events && !moreWanted()) {
          clearInterval(this.timer);
          void Promise.all(pending).then(() => resolve());
        }
      }, 5);
    });
  }

  finished(): Promise<void> {
    return this.done;
  }

  republished(): number {
    return this.bridges.reduce((n, b) => n + b.stats().republished, 0);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.bridges.map((b) => b.close().catch(() => {})));
  }
}

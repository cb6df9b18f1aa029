import { join } from 'node:path';
import { createBridge } from '../../../edge/bridge/bridge.ts';
import { SimulatedCamera } from '../../../edge/inputs/simulated-camera.ts';
import { startDownstream } from '../harness/end-to-end.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';

const SECONDS = 12;
const RATE = 1_000;
const RESTARTS = 2;
const DOWN_MS = 2_000;

/**
 * The broker goes away twice while a camera publishes through the bridge: everything the bridge
 * accepted meanwhile waits in its outbox and arrives after the broker is back.
 */
export const brokerRestartScenario: ChaosScenario = {
  name: 'broker-restart',
  description: `${RATE} events/s through a bridge for ${SECONDS} s; Mosquitto is stopped for ${DOWN_MS / 1000} s, ${RESTARTS} times (consumer on a plain persistent subscription)`,
  async run(progress) {
    const down = await startDownstream({ share: false });
    const bridge = createBridge({
      url: down.broker.url,
      clientId: 'chaos-bridge',
      region: 'eu',
      site: 'chaos',
      camera: 'cam-1',
      dataDir: join(down.dir, 'outbox'),
      reconnectMaxMs: 1_000,
    });
    try {
      await bridge.start();
      const camera = new SimulatedCamera({ camera: 'cam-1' });
      let produced = 0;
      let refused = 0;
      const started = Date.now();
      const pending = new Set<Promise<unknown>>();
      const feeder = setInterval(() => {
        const due = Math.floor(((Date.now() - started) / 1000) * RATE);
        while (produced + refused + pending.size < due && Date.now() - started < SECONDS * 1000) {
          const p = bridge.accept(camera.next()).then(
            () => produced++,
            () => refused++,
          );
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
      }, 5);
      for (let r = 1; r <= RESTARTS; r++) {
        await new Promise((res) => setTimeout(res, (SECONDS * 1000) / (RESTARTS + 1) - DOWN_MS / 2));
        await down.broker.stop();
        progress(`broker stopped (${r}/${RESTARTS}); outbox depth ${bridge.stats().outbox_depth}`);
        await new Promise((res) => setTimeout(res, DOWN_MS));
        await down.broker.start();
        progress(`broker back; outbox depth ${bridge.stats().outbox_depth}`);
      }
      while (Date.now() - started < SECONDS * 1000) await new Promise((res) => setTimeout(res, 50));
      clearInterval(feeder);
      await Promise.all(pending);
      progress(`bridge accepted ${produced} events (${refused} refused)`);
      const consumerStats = down.consumer.ingestor.stats;
      const counts = await down.settle(produced);
      // Where a shortfall sits: still in the bridge's outbox, or past the broker and not committed.
      const left = bridge.stats();
      return {
        ...verdict('broker-restart', produced, counts, counts.deadLetters),
        restarts: RESTARTS,
        refused,
        outbox_left: left.outbox_depth,
        bridge_acked: left.acked,
        consumer_received: consumerStats.receivedEvents,
      };
    } finally {
      await bridge.close().catch(() => {});
      await down.close();
    }
  },
};

import { join } from 'node:path';
import { createBridge } from '../../../edge/bridge/bridge.ts';
import { SimulatedCamera } from '../../../edge/inputs/simulated-camera.ts';
import { Deadline, sizedDeadlineMs } from '../harness/deadline.ts';
import { startDownstream } from '../harness/end-to-end.ts';
import { verdict, type ChaosScenario } from '../harness/scenario.ts';

export interface BrokerRestartOptions {
  /** Run for this long (the default run), unless `events` is given. */
  seconds: number;
  /** `--events N`: feed until the bridge accepted exactly N; restart r comes once r/(restarts+1) of them were. */
  events?: number;
  /** Events per second. */
  rate: number;
  restarts: number;
  downMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The broker goes away `restarts` times while a camera publishes through the bridge: everything the bridge
 * accepted meanwhile waits in its outbox and arrives after the broker is back. Downstream is PostgreSQL, but
 * ONE consumer on a plain persistent subscription: Mosquitto 2.0.11 does not restore shared subscriptions on a
 * restart, so what the bridge sent before a shared member resubscribed would be dropped by the broker, and this
 * scenario tests the outbox, not repair (two consumers on a shared subscription across a restart, with repair:
 * broker-crash's shared phase).
 */
export const brokerRestart = (o: BrokerRestartOptions): ChaosScenario => ({
  name: 'broker-restart',
  description: `${o.rate} events/s through a bridge ${o.events ? `until it accepted ${o.events}` : `for ${o.seconds} s`}; Mosquitto is stopped for ${o.downMs / 1000} s, ${o.restarts} times (one consumer into PostgreSQL on a plain persistent subscription)`,
  async run(progress) {
    const deadline = new Deadline(o.events ? sizedDeadlineMs(o.events, 250, 90_000) : 120_000);
    const down = await startDownstream({ share: false, clientId: 'chaos-restart' });
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
      const feeding = () => !deadline.passed && (o.events === undefined ? Date.now() - started < o.seconds * 1000 : produced < o.events);
      const feeder = setInterval(() => {
        const due = Math.floor(((Date.now() - started) / 1000) * o.rate);
        // By count, refused events are fed again: the bridge is to accept exactly N.
        const room = () => (o.events === undefined ? true : produced + pending.size < o.events);
        while (produced + refused + pending.size < due && feeding() && room()) {
          const p = bridge.accept(camera.next()).then(
            () => produced++,
            () => refused++,
          );
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
      }, 5);
      const share = (r: number) => (o.events === undefined ? 0 : Math.floor((r * o.events) / (o.restarts + 1)));
      for (let r = 1; r <= o.restarts && !deadline.missed; r++) {
        if (o.events === undefined) await sleep((o.seconds * 1000) / (o.restarts + 1) - o.downMs / 2);
        else await deadline.wait(() => produced >= share(r), `${share(r)} accepted before restart ${r}`);
        await down.broker.stop();
        progress(`broker stopped (${r}/${o.restarts}) after ${produced} accepted; outbox depth ${bridge.stats().outbox_depth}`);
        await sleep(o.downMs);
        await down.broker.start();
        progress(`broker back; outbox depth ${bridge.stats().outbox_depth}`);
      }
      while (feeding()) await sleep(50);
      clearInterval(feeder);
      await Promise.all(pending);
      if (o.events !== undefined && produced !== o.events) deadline.miss(`${produced} of ${o.events} events accepted`);
      progress(`bridge accepted ${produced} events (${refused} refused)`);
      const counts = await down.settle(produced, Math.max(30_000, Math.min(120_000, deadline.left)));
      if (!counts.settled) deadline.miss(`PostgreSQL held fewer than the ${produced} accepted events`);
      // Where a shortfall sits: still in the bridge's outbox, or past the broker and not committed.
      const left = bridge.stats();
      return deadline.verdict({
        ...verdict('broker-restart', produced, counts, counts.deadLetters),
        restarts: o.restarts,
        refused,
        outbox_left: left.outbox_depth,
        bridge_acked: left.acked,
        per_consumer: counts.perConsumer.join(','),
        store: 'postgres',
      });
    } finally {
      await bridge.close().catch(() => {});
      await down.close();
    }
  },
});

export const BROKER_RESTART_CLI: BrokerRestartOptions = { seconds: 12, rate: 1_000, restarts: 2, downMs: 2_000 };
export const brokerRestartScenario = brokerRestart(BROKER_RESTART_CLI);

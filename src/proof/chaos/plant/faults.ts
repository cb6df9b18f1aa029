import type { RunningMosquitto } from '../../services/mosquitto.ts';
import type { RunningPostgres } from '../../services/postgres.ts';
import type { InjectedFault } from './attribution.ts';
import { cameraKey, type CameraHost } from './hosts.ts';
import type { PlantProcess } from './process.ts';
import { FAULT_SECONDS, type PlannedFault } from './schedule.ts';

/** The running plant, as the faults reach it. */
export interface Plant {
  broker: RunningMosquitto;
  postgres: RunningPostgres;
  hosts: CameraHost[];
  consumers: PlantProcess[];
  alerts: PlantProcess;
  dashboard: PlantProcess;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Injects one fault and makes the plant whole again after its time (schedule.ts): what was killed is started
 * again with the same arguments, outboxes and client ids, as an operator's supervisor would. Resolves with what
 * was done and when, in seconds since `runStart`.
 */
export async function inject(plant: Plant, f: PlannedFault, runStart: number): Promise<InjectedFault> {
  const t = () => Math.round((Date.now() - runStart) / 100) / 10;
  const hold = FAULT_SECONDS[f.kind] * 1000;
  const start_s = t();
  let target = '';
  let cameras: string[] = [];
  switch (f.kind) {
    case 'consumer-kill': {
      const consumer = plant.consumers[f.target]!;
      target = consumer.name;
      await consumer.kill();
      await sleep(hold);
      await consumer.start();
      break;
    }
    case 'broker-restart':
      target = 'mosquitto';
      await plant.broker.stop();
      await sleep(hold);
      await plant.broker.start();
      break;
    case 'store-outage':
      target = 'postgresql';
      await plant.postgres.crash();
      await sleep(hold);
      await plant.postgres.start();
      break;
    case 'host-kill': {
      const host = plant.hosts[f.target]!;
      target = host.process.name;
      cameras = host.cameras.map(cameraKey);
      await host.process.kill();
      await sleep(hold);
      await host.process.start();
      break;
    }
    case 'camera-silent': {
      const host = plant.hosts[f.target]!;
      target = host.process.name;
      cameras = host.cameras.map(cameraKey);
      host.process.pause();
      await sleep(hold);
      host.process.resume();
      break;
    }
  }
  return { kind: f.kind, target, start_s, end_s: t(), cameras };
}

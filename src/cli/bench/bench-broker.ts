import { startEmbeddedBroker, type RunningBroker } from '../../broker/embedded.ts';
import { mosquittoPath, startMosquitto } from '../../broker/mosquitto.ts';

export interface BenchBroker extends RunningBroker {
  name: 'mosquitto' | 'aedes';
  protocolVersion: 4 | 5;
}

/** Mosquitto when it is on PATH (MQTT 5, the distributed shape), else the embedded broker. */
export async function startBenchBroker(): Promise<BenchBroker> {
  if (mosquittoPath()) {
    const broker = await startMosquitto({ persistence: false });
    return { ...broker, name: 'mosquitto', protocolVersion: 5 };
  }
  const broker = await startEmbeddedBroker();
  return { ...broker, name: 'aedes', protocolVersion: 4 };
}

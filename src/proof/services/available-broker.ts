import { startEmbeddedBroker, type RunningBroker } from '../../broker/embedded.ts';
import { mosquittoPath, startMosquitto } from './mosquitto.ts';

export interface AvailableBroker extends RunningBroker {
  name: 'mosquitto' | 'aedes';
  /** The highest MQTT version it speaks: 5 for Mosquitto, 4 for the embedded broker. */
  protocolVersion: 4 | 5;
}

/**
 * The best broker this machine can run for a measurement: Mosquitto when it is on PATH (MQTT 5, the
 * distributed shape), else the embedded broker. Used by `seamline bench`.
 */
export async function startAvailableBroker(options: { persistence?: boolean } = {}): Promise<AvailableBroker> {
  if (mosquittoPath()) {
    const broker = await startMosquitto({ persistence: options.persistence });
    return { ...broker, name: 'mosquitto', protocolVersion: 5 };
  }
  const broker = await startEmbeddedBroker();
  return { ...broker, name: 'aedes', protocolVersion: 4 };
}

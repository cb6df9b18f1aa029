import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { listen } from '../plumbing/listen.ts';

export interface EmbeddedBrokerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningBroker {
  url: string;
  port: number;
  /** MQTT protocol versions this broker speaks; Aedes 1.x speaks 3.1.1 only. */
  protocolVersions: readonly (4 | 5)[];
  close(): Promise<void>;
}

/**
 * Aedes in-process, for the one-command start and for tests that need no MQTT 5.
 * It keeps sessions in memory: a restart of this process loses in-flight QoS 1 messages, which is why
 * the distributed shape uses Mosquitto or EMQX.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  try {
    await listen(server, options.port ?? 0, host, 'embedded MQTT broker');
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    protocolVersions: [4],
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { startEmbeddedBroker } from '../../broker/embedded.ts';
import { probeBroker, type ProbeResult } from '../../broker/probe.ts';
import { SeamError } from '../../contract/index.ts';
import { isAddressInUse } from '../../plumbing/listen.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import { nameListenFlag } from '../config/listen-flags.ts';

/** The broker `seamline start` runs against: its own Aedes, or one that was already there (`--broker`). */
export interface PipelineBroker {
  url: string;
  kind: 'embedded' | 'existing';
  protocolVersion: 4 | 5;
  /** The consumer joins a shared subscription only when the broker offers one (MQTT 5, not switched off). */
  sharedSubscriptions: boolean;
  /** Stops the embedded broker; leaves an existing one alone. */
  close(): Promise<void>;
}

function describe(probe: ProbeResult & { kind: 'broker' }): string {
  return probe.protocolVersion === 5 ? `MQTT 5${probe.sharedSubscriptions ? ', shared subscriptions' : ''}` : 'MQTT 3.1.1';
}

/** `host:port` of an mqtt:// URL, as the probe dials it. */
function address(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port ? Number(parsed.port) : 1883 };
}

/**
 * `--broker mqtt://host:port`: asks the broker which MQTT it speaks (5 first, then 3.1.1) and whether it offers
 * shared subscriptions, so the pipeline uses both when it can. Nothing there, or something that is not MQTT, or
 * a broker that refuses an anonymous session, stops the start with a coded line naming the URL.
 */
export async function existingBroker(url: string): Promise<PipelineBroker> {
  const { host, port } = address(url);
  const probe = await probeBroker(host, port);
  const where = redactUrl(url);
  switch (probe.kind) {
    case 'nothing':
      throw new SeamError(
        'SEAM_ERR_BROKER_UNAVAILABLE',
        `--broker ${where}: nothing accepts connections there; start the broker, or leave --broker out to run the embedded one`,
        { field: 'broker' },
      );
    case 'not-mqtt':
      throw new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', `--broker ${where}: something answers there, but not MQTT`, { field: 'broker' });
    case 'refused':
      throw new SeamError(
        'SEAM_ERR_BROKER_AUTH',
        `--broker ${where} refused an anonymous session (CONNACK code ${probe.code}); seamline start uses brokers that admit anonymous clients, for others run seamline edge and seamline consumer (docs/security.md)`,
        { field: 'broker' },
      );
    case 'broker':
      return {
        url,
        kind: 'existing',
        protocolVersion: probe.protocolVersion,
        sharedSubscriptions: probe.sharedSubscriptions,
        close: async () => {},
      };
  }
}

/**
 * The embedded Aedes on `host:port`. When the port is taken and an MQTT broker answers there (Debian's
 * `mosquitto` package starts one on 1883), the error says so and how to use it instead.
 */
export async function embeddedBroker(host: string, port: number): Promise<PipelineBroker> {
  try {
    const broker = await startEmbeddedBroker({ host, port });
    return { url: broker.url, kind: 'embedded', protocolVersion: 4, sharedSubscriptions: false, close: () => broker.close() };
  } catch (err) {
    let extra = '';
    if (isAddressInUse(err)) {
      const probe = await probeBroker(host, port).catch(() => undefined);
      if (probe?.kind === 'broker' || probe?.kind === 'refused') {
        const what = probe.kind === 'broker' ? `an MQTT broker (${describe(probe)})` : 'an MQTT broker';
        extra = `; ${what} answers there: run against it with --broker mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
      }
    }
    throw nameListenFlag(err, { port: '--mqtt-port', host: '--host' }, extra);
  }
}

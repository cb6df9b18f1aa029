import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import {
  decodeRepairAnswer,
  REPAIR_ANSWER_FILTER,
  repairRequestTopic,
  type RepairAnswerV1,
  type RepairRequestV1,
} from '../../contract/index.ts';
import { cleanSessionOptions, type MqttClientIdentity } from '../../plumbing/mqtt-client-options.ts';
import { redactUrl } from '../../plumbing/redact.ts';

/** `clientId` is the repairer's own MQTT client id (the consumer's, with `-repair`). */
export interface RepairLinkOptions extends MqttClientIdentity {
  url: string;
  logger: Logger;
  /** Every valid answer or announcement from any bridge. */
  onAnswer: (answer: RepairAnswerV1) => void;
}

/**
 * The repairer's MQTT connection: it publishes requests (QoS 1) and reads every bridge's answers. Low
 * volume, so MQTT.js as it is; a clean session, because an answer nobody waits for any more is worth
 * nothing (the repairer asks again), and a repairer that is gone must not leave a queue behind. MQTT.js (and
 * its streams, WebSocket and SOCKS code) loads when the link starts, after the consumer's first repair pass,
 * so a restarted consumer takes its share of the traffic without waiting for it.
 */
export class RepairLink {
  private client: MqttClient | undefined;
  private invalid = 0;
  private starting: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: RepairLinkOptions) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    this.starting = import('./mqtt-js.ts')
      .then(({ connectMqtt }) => {
        if (!this.stopped) this.connect(connectMqtt);
      })
      .catch((err: Error) => this.o.logger.error({ err: err.message }, 'repair link could not start: gaps are not repaired'));
  }

  private connect(connectMqtt: typeof import('./mqtt-js.ts').connectMqtt): void {
    const o = this.o;
    const client = connectMqtt(o.url, cleanSessionOptions(o));
    this.client = client;
    client.on('connect', () => {
      client.subscribe(REPAIR_ANSWER_FILTER, { qos: 1 }, (err) => {
        if (err) o.logger.error({ err: err.message, filter: REPAIR_ANSWER_FILTER }, 'repairer could not subscribe to repair answers');
      });
    });
    client.on('message', (topic, payload) => {
      const decoded = decodeRepairAnswer(topic, payload);
      if (decoded.ok) return o.onAnswer(decoded.message);
      // A bridge of another version, or garbage: never fatal, logged now and then.
      if (this.invalid++ % 100 === 0)
        o.logger.warn(
          { topic, code: decoded.error.code, reason: decoded.error.message, seen: this.invalid },
          'ignored an invalid repair answer',
        );
    });
    client.on('error', (err) => o.logger.warn({ err: err.message, broker: redactUrl(o.url) }, 'repair link error'));
  }

  /** Publishes a request at QoS 1; false when not connected or the broker refused it. */
  async send(request: RepairRequestV1): Promise<boolean> {
    const client = this.client;
    if (!client?.connected) return false;
    try {
      await client.publishAsync(repairRequestTopic(request), JSON.stringify(request), { qos: 1 });
      return true;
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message, camera: request.camera }, 'repair request not accepted by the broker');
      return false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    const client = this.client;
    this.client = undefined;
    await client?.endAsync(true);
  }
}

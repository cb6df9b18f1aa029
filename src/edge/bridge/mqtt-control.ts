import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';

/**
 * The bridge's messages outside the outbox (status, repair answers and announcements, the repair-request
 * subscription), on the publisher's connection. Kept apart so publisher.ts holds only the outbox's flow.
 */

/** Publishes at QoS 1; resolves true on its PUBACK, false on a refusal or after `timeoutMs`. */
export async function publishQos1(
  client: MqttClient,
  topic: string,
  payload: Buffer,
  retain: boolean,
  timeoutMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const ok = await Promise.race([
    new Promise<boolean>((resolve) => client.publish(topic, payload, { qos: 1, retain }, (err) => resolve(!err))),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  return ok;
}

/** Subscribes at QoS 1; a refusal is logged as an error, because repairs of that camera then cannot reach it. */
export function subscribeQos1(client: MqttClient, topic: string, logger: Logger): void {
  client.subscribe(topic, { qos: 1 }, (err, granted) => {
    const code = granted?.[0]?.qos;
    if (err || (code !== undefined && code >= 0x80)) {
      logger.error(
        { topic, err: err?.message, code },
        'broker refused the repair-request subscription; repairs of this camera cannot reach it',
      );
    }
  });
}

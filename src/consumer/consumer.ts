import pino, { type Logger } from 'pino';
import { DETECTION_FILTER, sharedDetectionFilter, STATUS_FILTER } from '../contract/index.ts';
import type { DetectionStore } from '../store/store.ts';
import { Ingestor, type IngestOptions } from './ingest.ts';
import { createMqttSession } from './mqtt-session.ts';
import type { SubscriberSession, SubscriberSessionOptions } from './session.ts';

export interface ConsumerOptions
  extends Omit<SubscriberSessionOptions, 'filters' | 'protocolVersion'>,
    Omit<IngestOptions, 'store' | 'session' | 'logger'> {
  store: DetectionStore;
  /** 5 (default) joins the shared subscription; 4 (MQTT 3.1.1, e.g. the embedded broker) cannot. */
  protocolVersion?: 4 | 5;
  /** Shared subscription group (default "seamline"). */
  group?: string;
  logger?: Logger;
}

export interface RunningConsumer {
  ingestor: Ingestor;
  session: SubscriberSession;
  /** Graceful: stop reading, commit and acknowledge what was received, disconnect. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Seam 2 and 3 together: one session on the shared subscription (plus the retained status topics),
 * feeding one ingestor that commits before it acknowledges.
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const version = options.protocolVersion ?? 5;
  let detections: string;
  if (version === 5) {
    detections = sharedDetectionFilter(options.group ?? 'seamline');
  } else {
    // MQTT 3.1.1 has no shared subscriptions: one consumer is all this broker can feed without double work.
    logger.warn('MQTT 3.1.1 broker: no shared subscription; run a single consumer against it');
    detections = DETECTION_FILTER;
  }
  const session = createMqttSession({ ...options, protocolVersion: version, filters: [detections, STATUS_FILTER], logger });
  const ingestor = new Ingestor({ ...options, session, logger });
  session.on('warning', (w: { filter: string; reasonCode: number }) =>
    logger.warn({ filter: w.filter, reasonCode: w.reasonCode }, 'broker refused a subscription'),
  );
  session.on('error', (err: Error) => logger.error({ err: err.message }, 'subscriber session error'));
  await session.start();
  return {
    ingestor,
    session,
    async stop(timeoutMs = 8_000) {
      const drained = await ingestor.drain(timeoutMs);
      if (!drained) logger.warn('consumer stopped with uncommitted messages; the broker will redeliver them');
      await session.close();
    },
  };
}

import { pino, type Logger } from 'pino';
import { EVIDENCE_FILTER, sharedEvidenceFilter } from '../../contract/index.ts';
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
import type { DetectionStore } from '../../store/store.ts';
import { createMqttSession } from '../mqtt/session.ts';
import type { SubscriberSession, SubscriberSessionOptions } from '../mqtt/subscriber-session.ts';
import { EvidenceIngest, type EvidenceIngestOptions } from './evidence-ingest.ts';
import { EvidenceRetentionTimer, type EvidenceRetentionOptions } from './evidence-retention.ts';

/** Images in flight per evidence session (MQTT 5 Receive Maximum): 16 of at most 1 MB each. */
export const DEFAULT_EVIDENCE_RECEIVE_MAXIMUM = 16;

export interface EvidenceConsumerOptions
  extends Omit<SubscriberSessionOptions, 'filters' | 'clientId'>,
    Omit<EvidenceIngestOptions, 'session' | 'deadLetters' | 'store' | 'logger'> {
  /** The consumer's client id; the evidence session connects as `<clientId>-evidence`. */
  clientId: string;
  store: EvidenceStore;
  /** The detection store, for its dead_letters. */
  deadLetters: Pick<DetectionStore, 'writeDeadLetters'>;
  /** The detection session's group and sharing (consumer.ts): the evidence session joins the same. */
  group?: string;
  share?: boolean;
  /** Retention (defaults 30 days, 10 GiB, every 10 minutes). */
  retention?: Omit<EvidenceRetentionOptions, 'store' | 'logger'>;
  logger?: Logger;
}

export interface RunningEvidenceConsumer {
  ingest: EvidenceIngest;
  session: SubscriberSession;
  retention: EvidenceRetentionTimer;
  /** Stops reading, finishes the puts under way, disconnects; the rest stays with the broker. */
  stop(timeoutMs?: number): Promise<void>;
}

/** The filter the evidence session subscribes: the group's share on MQTT 5, plain on 3.1.1 or with share off. */
export function evidenceFilterFor(protocol: 4 | 5, group: string, share: boolean): string {
  return protocol === 5 && share ? sharedEvidenceFilter(group) : EVIDENCE_FILTER;
}

/**
 * Starts the consumer's evidence path beside its detection path: a session of its own to the broker (client
 * id `<clientId>-evidence`, the same group), so a burst of images never fills the detections' receive
 * window, feeding an EvidenceIngest; and the retention timer.
 */
export async function startEvidenceConsumer(options: EvidenceConsumerOptions): Promise<RunningEvidenceConsumer> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const protocol = options.protocol ?? 5;
  const filter = evidenceFilterFor(protocol, options.group ?? 'seamline', options.share !== false);
  // As the detection session: without a share every consumer gets every image (stored once all the same).
  if (protocol === 4) logger.warn('MQTT 3.1.1 broker: the evidence session has no shared subscription; run a single consumer against it');
  const session = createMqttSession({
    ...options,
    clientId: `${options.clientId}-evidence`,
    protocol,
    receiveMaximum: options.receiveMaximum ?? DEFAULT_EVIDENCE_RECEIVE_MAXIMUM,
    filters: [filter],
    logger,
  });
  const ingest = new EvidenceIngest({ ...options, session, logger });
  session.on('warning', (w: { filter: string; reasonCode: number }) =>
    logger.warn({ filter: w.filter, reasonCode: w.reasonCode }, 'broker refused the evidence subscription'),
  );
  session.on('error', (err: Error) => logger.error({ err: err.message }, 'evidence session error'));
  await session.start();
  const retention = new EvidenceRetentionTimer({ ...options.retention, store: options.store, logger });
  retention.start();
  return {
    ingest,
    session,
    retention,
    async stop(timeoutMs = 8_000) {
      await retention.stop();
      if (!(await ingest.drain(timeoutMs))) logger.warn('evidence puts still under way at stop; the broker will redeliver them');
      await session.close();
    },
  };
}

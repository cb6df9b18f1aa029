import mqtt, { type MqttClient } from 'mqtt';
import { SeamError } from '../../contract/index.ts';
import { cleanSessionOptions, type MqttClientIdentity } from '../../plumbing/mqtt-client-options.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import { TokenBucket } from '../../plumbing/token-bucket.ts';
import type { DeadLetterRecord } from '../../store/dead-letter-reader.ts';

/**
 * `seamline dead-letters replay`: dead letters republished, byte for byte, to the topics they came on, so that
 * a consumer that can now store them does. What cannot be republished as it came is skipped with a reason.
 */

/** What the consumer writes for a character it cannot store (contract/storable-text.ts, consumer/ingest/dead-letter.ts). */
const ESCAPE = /\\u[0-9a-fA-F]{4}/;

/** Why a dead letter is not republished, or undefined when it is. */
export function skipReason(topic: string, includeStatus: boolean): string | undefined {
  // The consumer stored \u0000 for a NUL (and a last-resort dead letter \u00e9 for an é): the topic the message
  // came on is not this text, and a topic that held a backslash-u of its own cannot be told from one escaped.
  if (ESCAPE.test(topic))
    return 'the topic holds a \\uXXXX escape the consumer wrote for a character it could not store: it is not the topic the message came on';
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'vision' || (parts[4] !== 'detection' && parts[4] !== 'status') || /[+#]/.test(topic)) {
    return 'not a topic the consumer subscribes to (vision/+/+/+/detection or vision/+/+/+/status)';
  }
  if (parts[4] === 'status' && !includeStatus) {
    return 'a status: the store keeps the last one received, so an old status would overwrite a newer one (--include-status replays them anyway)';
  }
  return undefined;
}

/** Publishes at QoS 1 and resolves on the PUBACK; rejects on a refusal or when none comes in time. */
export interface ReplayPublisher {
  publish(topic: string, payload: Buffer): Promise<void>;
  close(): Promise<void>;
}

export interface ReplayCounts {
  selected: number;
  /** Acknowledged by the broker (a dry run: would be published). */
  replayed: number;
  skipped: number;
  failed: number;
}

export interface ReplaySummary extends ReplayCounts {
  dryRun: boolean;
  /** Skipped letters by reason. */
  skips: Map<string, number>;
  failures: { letter: DeadLetterRecord; reason: string }[];
}

export interface ReplayOptions {
  /** Absent for a dry run: nothing is published. */
  publisher?: ReplayPublisher;
  ratePerSecond: number;
  includeStatus: boolean;
  /** PUBLISHes awaiting their PUBACK at once (default 32); each is counted only on its own. */
  window?: number;
  onSkip?(letter: DeadLetterRecord, reason: string): void;
  /** Each letter a dry run would publish. */
  onWouldReplay?(letter: DeadLetterRecord): void;
  /** Called every `progressMs` (default 2 s) while a long replay runs. */
  onProgress?(counts: ReplayCounts): void;
  progressMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Replays `letters` (newest first, as read) oldest first, as they first arrived, at most `ratePerSecond`.
 */
export async function replayDeadLetters(letters: readonly DeadLetterRecord[], o: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = {
    selected: letters.length,
    replayed: 0,
    skipped: 0,
    failed: 0,
    dryRun: !o.publisher,
    skips: new Map(),
    failures: [],
  };
  const window = o.window ?? 32;
  // A tenth of a second's worth at most saved up, so the rate holds over any stretch the eye can see.
  const bucket = new TokenBucket(o.ratePerSecond, Math.max(1, Math.min(window, Math.ceil(o.ratePerSecond / 10))));
  const inFlight = new Set<Promise<void>>();
  const progress = setInterval(() => o.onProgress?.({ ...summary }), o.progressMs ?? 2_000);
  try {
    for (let i = letters.length - 1; i >= 0; i--) {
      const letter = letters[i];
      const reason = skipReason(letter.topic, o.includeStatus);
      if (reason) {
        summary.skipped++;
        summary.skips.set(reason, (summary.skips.get(reason) ?? 0) + 1);
        o.onSkip?.(letter, reason);
        continue;
      }
      if (!o.publisher) {
        summary.replayed++;
        o.onWouldReplay?.(letter);
        continue;
      }
      while (inFlight.size >= window) await Promise.race(inFlight);
      while (!bucket.take()) await sleep(Math.max(1, bucket.waitMs()));
      const sent: Promise<void> = o.publisher.publish(letter.topic, letter.payload).then(
        () => void summary.replayed++,
        (err: Error) => {
          summary.failed++;
          summary.failures.push({ letter, reason: err.message });
        },
      );
      const tracked = sent.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(progress);
  }
  return summary;
}

export interface PublisherOptions extends MqttClientIdentity {
  url: string;
  /** For the connection, and for each PUBACK (default 10 s and 30 s). */
  connectTimeoutMs?: number;
  pubackTimeoutMs?: number;
}

/** CONNACK codes that say the credentials or the client are refused: 4 and 5 in MQTT 3.1.1, 0x86 and 0x87 in MQTT 5. */
const AUTH_REFUSALS = new Set([4, 5, 0x86, 0x87]);

/**
 * An MQTT.js client with a clean session (a replay leaves nothing behind at the broker). A broker that does not
 * answer is SEAM_ERR_BROKER_UNAVAILABLE, refused credentials SEAM_ERR_BROKER_AUTH, before anything is published.
 */
export async function connectReplayPublisher(o: PublisherOptions): Promise<ReplayPublisher> {
  const where = redactUrl(o.url);
  const connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
  const client: MqttClient = mqtt.connect(o.url, cleanSessionOptions(o, { connectTimeoutMs }));
  try {
    await new Promise<void>((resolve, reject) => {
      let last = '';
      const timer = setTimeout(
        () =>
          reject(
            new SeamError(
              'SEAM_ERR_BROKER_UNAVAILABLE',
              `MQTT broker ${where} did not accept a connection within ${connectTimeoutMs / 1000} s${last ? `: ${last}` : ''}`,
              { field: 'url' },
            ),
          ),
        connectTimeoutMs,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.on('error', (err) => {
        last = err.message;
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number' && AUTH_REFUSALS.has(code)) {
          clearTimeout(timer);
          reject(
            new SeamError(
              'SEAM_ERR_BROKER_AUTH',
              `MQTT broker ${where} refused client ${o.clientId}: bad credentials or not authorized (${err.message})`,
              { field: 'username' },
            ),
          );
        }
      });
    });
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }
  const pubackTimeoutMs = o.pubackTimeoutMs ?? 30_000;
  return {
    async publish(topic, payload) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.publishAsync(topic, payload, { qos: 1 }),
          new Promise(
            (_, reject) =>
              (timer = setTimeout(() => reject(new Error(`no PUBACK from ${where} within ${pubackTimeoutMs / 1000} s`)), pubackTimeoutMs)),
          ),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await client.endAsync(!client.connected);
    },
  };
}

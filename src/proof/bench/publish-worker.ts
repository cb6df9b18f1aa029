/**
 * A separate process that publishes detection.v1 events at QoS 1 for bench and chaos, so the publisher
 * does not share an event loop with what is measured. Reads its job from argv[2] (JSON), prints one JSON
 * line when done: { published, ms }.
 */
import { runAsChildEntry } from '../../plumbing/children.ts';
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { eventPayload } from './event-payload.ts';
import { ImagePacer } from './evidence-image.ts';

export interface PublishJob {
  url: string;
  count: number;
  /** Events per second; 0 publishes as fast as the window allows. */
  rate: number;
  cameras: number;
  protocolVersion: 4 | 5;
  /** QoS 1 messages in flight at once. */
  window: number;
  clientId: string;
  /** First seq per camera (so several runs can continue one sequence). */
  seqStart?: number;
  /** Images beside the events (evidence.v1, each of an event just sent) on a connection of their own. */
  evidence?: { rate: number; jpegPath: string };
}

async function run(job: PublishJob): Promise<void> {
  const client = await mqtt.connectAsync(job.url, { protocolVersion: job.protocolVersion, clientId: job.clientId, clean: true });
  const seqStart = job.seqStart ?? 1;
  const build = (i: number, capturedMs: number) => eventPayload(i % job.cameras, seqStart + Math.floor(i / job.cameras), capturedMs);
  // Unpaced runs measure the broker and the subscriber, so payloads are built before the clock starts.
  const prebuilt = job.rate > 0 ? undefined : Array.from({ length: job.count }, (_, i) => build(i, Date.now()));
  let latest: string | undefined;
  const images = job.evidence
    ? new ImagePacer(
        {
          url: job.url,
          clientId: `${job.clientId}-evidence`,
          protocolVersion: job.protocolVersion,
          rate: job.evidence.rate,
          jpeg: readFileSync(job.evidence.jpegPath),
        },
        () => latest,
      )
    : undefined;
  await images?.start();
  const started = Date.now();
  let sent = 0;
  let acked = 0;
  let scheduled = false;
  await new Promise<void>((resolve, reject) => {
    const onAck = (err?: Error) => {
      if (err) return reject(err);
      if (++acked === job.count) return resolve();
      if (!scheduled && sent < job.count && sent - acked <= job.window / 2) {
        scheduled = true;
        setImmediate(pump);
      }
    };
    const pump = () => {
      scheduled = false;
      const due = job.rate > 0 ? Math.min(job.count, Math.floor(((Date.now() - started) / 1000) * job.rate) + 1) : job.count;
      while (sent < due && sent - acked < job.window) {
        const { topic, payload } = prebuilt ? prebuilt[sent] : build(sent, Date.now());
        sent++;
        client.publish(topic, payload, { qos: 1 }, onAck);
        latest = payload;
      }
      if (sent < job.count && job.rate > 0 && !scheduled) {
        scheduled = true;
        setTimeout(pump, 1);
      }
    };
    pump();
  });
  const ms = Date.now() - started;
  const imagesPublished = await images?.stop();
  await client.endAsync();
  process.stdout.write(JSON.stringify({ published: acked, ms, images: imagesPublished ?? 0 }) + '\n');
}

runAsChildEntry<PublishJob>(import.meta.url, 'publish worker', run);

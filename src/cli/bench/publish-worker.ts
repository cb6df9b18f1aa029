/**
 * A separate process that publishes detection.v1 events at QoS 1 for bench and chaos, so the publisher
 * does not share an event loop with what is measured. Reads its job from argv[2] (JSON), prints one JSON
 * line when done: { published, ms }.
 */
import mqtt from 'mqtt';
import { v7 as uuidv7 } from 'uuid';
import { detectionTopic } from '../../contract/index.ts';

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
}

export function eventPayload(camera: number, seq: number, capturedMs: number): { topic: string; payload: string } {
  const id = { region: 'bench', site: 'line-1', camera: `cam-${camera}` };
  const captured = new Date(capturedMs).toISOString();
  const inferred = new Date(capturedMs + 18).toISOString();
  return {
    topic: detectionTopic(id),
    payload:
      `{"schema_version":"detection.v1","event_id":"${uuidv7()}","region":"bench","site":"line-1","camera":"cam-${camera}",` +
      `"seq":${seq},"captured_at":"${captured}","inferred_at":"${inferred}","model":{"name":"yolov8n","version":"8.1.0"},` +
      `"frame":{"width":1280,"height":720},"detections":[{"class":"scratch","class_id":1,"confidence":0.91,"bbox":[412,188,64,30]},` +
      `{"class":"part","class_id":0,"confidence":0.97,"bbox":[300,120,380,410]}]}`,
  };
}

async function run(job: PublishJob): Promise<void> {
  const client = await mqtt.connectAsync(job.url, { protocolVersion: job.protocolVersion, clientId: job.clientId, clean: true });
  const seqStart = job.seqStart ?? 1;
  const build = (i: number, capturedMs: number) => eventPayload(i % job.cameras, seqStart + Math.floor(i / job.cameras), capturedMs);
  // Unpaced runs measure the broker and the subscriber, so payloads are built before the clock starts.
  const prebuilt = job.rate > 0 ? undefined : Array.from({ length: job.count }, (_, i) => build(i, Date.now()));
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
      }
      if (sent < job.count && job.rate > 0 && !scheduled) {
        scheduled = true;
        setTimeout(pump, 1);
      }
    };
    pump();
  });
  const ms = Date.now() - started;
  await client.endAsync();
  process.stdout.write(JSON.stringify({ published: acked, ms }) + '\n');
}

if (process.argv[2]) {
  run(JSON.parse(process.argv[2]) as PublishJob).catch((err) => {
    process.stderr.write(`publish worker failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

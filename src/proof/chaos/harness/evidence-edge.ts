/**
 * A camera host for the evidence chaos scenario, in its own process so it can be SIGKILLed: a real bridge
 * (durable outbox, replay window, heartbeats) and its real image transport (cameraEvidence: the LMDB image
 * queue and its own MQTT connection), fed by a simulated camera at a steady rate, an evidence.v1 image of
 * every `imageEvery`-th accepted event offered to the queue as the capture would after encoding.
 *
 * Reports on stdout, one JSON line each (a pipe on Linux is written synchronously, so a line written before
 * a SIGKILL is never lost): `{"a":id}` once the bridge answered for an event (it is durable), `{"i":id}` once
 * its image is stored in the image queue with its number (and again for each image a life restores: one a
 * SIGKILL caught between the commit and its line), `{"q":stats}` whenever the image queue's counters change,
 * `{"ready":true}` once started, `{"final":stats}` after a graceful stop (SIGTERM: stop feeding, drain the
 * image queue, close).
 */
import { runAsChildEntry } from '../../../plumbing/children.ts';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { encodeEvidence } from '../../../contract/index.ts';
import { createBridge } from '../../../edge/bridge/bridge.ts';
import type { BridgeOptions } from '../../../edge/bridge/options.ts';
import { cameraEvidence, evidenceStatus } from '../../../edge/camera-evidence.ts';
import type { EvidenceCaptureStats } from '../../../edge/evidence/capture.ts';
import { SimulatedCamera } from '../../../edge/inputs/simulated-camera.ts';

export interface EvidenceEdgeJob {
  url: string;
  clientId: string;
  region: string;
  site: string;
  camera: string;
  dataDir: string;
  /** Events a second. */
  rate: number;
  /** An image for every this-many accepted events. */
  imageEvery: number;
  /** The JPEG the images carry. */
  jpegPath: string;
  /** The image queue's byte bound. */
  queueBytes: number;
}

const line = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function run(job: EvidenceEdgeJob): Promise<void> {
  const jpeg = readFileSync(job.jpegPath);
  const registry = new Registry();
  const options: BridgeOptions = {
    url: job.url,
    clientId: job.clientId,
    region: job.region,
    site: job.site,
    camera: job.camera,
    dataDir: job.dataDir,
    reconnectMinMs: 100,
    reconnectMaxMs: 1_000,
    heartbeat: 1,
    announceSeconds: 2,
  };
  const { transport } = cameraEvidence(options, registry, {}, { maxBytes: job.queueBytes });
  for (const id of transport.queue.queuedEventIds()) line({ i: id });
  transport.queue.onStored = (id) => line({ i: id });
  let offered = 0;
  const capture = () => ({ captured: offered, refused: 0 }) as EvidenceCaptureStats;
  const bridge = createBridge({ ...options, registry, statusExtra: () => evidenceStatus(capture(), transport.stats()) });
  await bridge.start();
  transport.start();
  const camera = new SimulatedCamera({ camera: job.camera });
  let last = '';
  const report = setInterval(() => {
    const now = JSON.stringify(transport.stats());
    if (now !== last) process.stdout.write(`{"q":${(last = now)}}\n`);
  }, 10);
  let accepted = 0;
  let feeding = true;
  const started = Date.now();
  let issued = 0;
  const feeder = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * job.rate);
    while (feeding && issued < due) {
      issued++;
      const input = camera.next();
      bridge.accept(input).then(
        ({ event_id, seq }) => {
          line({ a: event_id });
          if (++accepted % job.imageEvery !== 0) return;
          const { captured_at, model, frame, detections } = input as ReturnType<SimulatedCamera['next']>;
          const cam = job.camera;
          const fields = { event_id, region: job.region, site: job.site, camera: cam, seq, captured_at, model, frame, detections };
          const payload = encodeEvidence({ ...fields, image: { width: 1280, height: 720 }, masked: false }, jpeg);
          transport.queue.offer(payload, { event_id, camera: cam, bytes: payload.byteLength });
          offered++;
        },
        () => {},
      );
    }
  }, 5);
  line({ ready: true });
  // "stop" on stdin: stop feeding (the bridge stays up to answer repair requests until SIGTERM).
  process.stdin.on('data', (d) => {
    if (String(d).includes('stop')) feeding = false;
  });
  process.once('SIGTERM', () => {
    feeding = false;
    clearInterval(feeder);
    void (async () => {
      await transport.drain(15_000);
      clearInterval(report);
      line({ final: transport.stats() });
      await bridge.close();
      await transport.close();
      process.exit(0);
    })();
  });
}

runAsChildEntry<EvidenceEdgeJob>(import.meta.url, 'evidence edge', run);

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openOutbox } from '../../../edge/outbox/outbox.ts';
import { repoPath } from '../../../plumbing/modules.ts';
import { PlantProcess } from './process.ts';

export const REGION = 'eu';
export const SITE = 'plant-1';
const MODEL = repoPath('models/seamline-conveyor.onnx');

/** A camera host: its process (`seamline edge --cameras`), its cameras, its outboxes' folder. */
export interface CameraHost {
  process: PlantProcess;
  cameras: string[];
  dataDir: string;
}

/** `region/site/camera` of a camera. */
export const cameraKey = (camera: string) => `${REGION}/${SITE}/${camera}`;

/**
 * The camera hosts of the plant: host `a` with `perHost[0]` cameras (a1, a2, ...), host `b` with `perHost[1]`, and
 * so on, each a `seamline edge --cameras FILE` that runs the bundled model on the synthetic conveyor for every one
 * of its cameras at `fps` frames (so events) a second, into its own outboxes under `dir`, connected to `brokerUrl`.
 */
export function cameraHosts(
  dir: string,
  brokerUrl: string,
  perHost: number[],
  fps: number,
  onPid: (pid: number, name: string) => void,
): CameraHost[] {
  return perHost.map((count, i) => {
    const letter = String.fromCharCode(97 + i);
    const cameras = Array.from({ length: count }, (_, k) => `${letter}${k + 1}`);
    const hostDir = join(dir, `host-${letter}`);
    const dataDir = join(hostDir, 'outbox');
    mkdirSync(dataDir, { recursive: true });
    const file = join(hostDir, 'cameras.json');
    writeFileSync(file, JSON.stringify({ cameras: cameras.map((camera) => ({ camera, source: 'synthetic', fps })) }, null, 2));
    const args = [
      'edge',
      '--cameras',
      file,
      '--model',
      MODEL,
      '--threads',
      '1',
      '--url',
      brokerUrl,
      '--client-id',
      `plant-host-${letter}`,
      '--region',
      REGION,
      '--site',
      SITE,
      '--data-dir',
      dataDir,
      '--max-bytes',
      String(256 * 1024 ** 2),
      // The outbox's file is mapped: its pages count in the host's RSS and grow until the replay window is full
      // (about 0.36 MB/min here). 8 MB fills within the first half of an hour's run, so the memory judged in the
      // last half is the host's own; it still holds about twenty minutes of a camera's events for repair.
      '--replay-max-bytes',
      String(8 * 1024 ** 2),
      '--heartbeat',
      '5',
      '--http-port',
      '-1',
      '--log-level',
      'info',
    ];
    return { process: new PlantProcess(`host-${letter}`, args, 'edge cameras running', onPid), cameras, dataDir };
  });
}

/**
 * What each camera's bridge handed out: the last seq its outbox assigned (persisted with each append, so a seq
 * answered before a SIGKILL counts), read from the outboxes once the hosts have stopped. Seqs start at 1, so this
 * is the number of events each camera produced.
 */
export async function producedByCamera(hosts: CameraHost[]): Promise<Map<string, number>> {
  const produced = new Map<string, number>();
  for (const host of hosts) {
    for (const camera of host.cameras) {
      const outbox = openOutbox({ path: join(host.dataDir, camera), maxBytes: 256 * 1024 ** 2, replayMaxBytes: 64 * 1024 ** 2 });
      try {
        produced.set(cameraKey(camera), 0);
        for (const stream of outbox.streamNames()) produced.set(stream, outbox.streamInfo(stream).lastSeq);
      } finally {
        await outbox.close();
      }
    }
  }
  return produced;
}

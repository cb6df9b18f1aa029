import pg from 'pg';
import { startMosquitto } from '../../services/mosquitto.ts';
import { startPostgres } from '../../services/postgres.ts';
import { waitUntil } from '../harness/wait-until.ts';
import { writeAlertsConfig } from './alerts-config.ts';
import type { Plant } from './faults.ts';
import { cameraHosts, cameraKey } from './hosts.ts';
import { PlantProcess } from './process.ts';

export interface PlantShape {
  /** Cameras per camera host (default [3, 2]: two hosts). */
  perHost: number[];
  consumers: number;
  /** Frames, so events, per second of each camera. */
  fps: number;
}

/** Stored events per camera, straight from PostgreSQL; an empty map while the store is down. */
export async function storedPerCamera(url: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const rows = (await client.query(`SELECT region || '/' || site || '/' || camera AS key, count(*) AS n FROM events GROUP BY 1`)).rows;
    return new Map(rows.map((r) => [String(r.key), Number(r.n)]));
  } catch {
    return new Map();
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Starts the plant in the order an operator would: Mosquitto and PostgreSQL, the consumers on the shared
 * subscription (one after the other: the first creates the schema), the camera hosts; once every camera has
 * stored events, the alert engine (so no camera is silent only because it has not started yet) and the dashboard.
 * `onPid` learns every process's pid and name, for the memory samples.
 */
export async function startPlant(
  dir: string,
  shape: PlantShape,
  webhookUrl: string,
  onPid: (pid: number, name: string) => void,
  progress: (line: string) => void,
): Promise<Plant> {
  const [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  const partial: Partial<Plant> = { broker, postgres };
  try {
    const consumers = Array.from(
      { length: shape.consumers },
      (_, i) =>
        new PlantProcess(
          `consumer-${i + 1}`,
          [
            'consumer',
            '--url',
            broker.url,
            '--store',
            postgres.url,
            '--client-id',
            `plant-consumer-${i + 1}`,
            '--metrics-port',
            '-1',
            '--no-evidence',
            '--log-level',
            'info',
          ],
          'consumer running',
          onPid,
        ),
    );
    partial.consumers = consumers;
    for (const c of consumers) await c.start();
    const hosts = cameraHosts(dir, broker.url, shape.perHost, shape.fps, onPid);
    partial.hosts = hosts;
    await Promise.all(hosts.map((h) => h.process.start(120_000)));
    const cameras = hosts.flatMap((h) => h.cameras.map(cameraKey));
    progress(
      `${hosts.length} camera hosts (${cameras.length} cameras), ${consumers.length} consumers running; waiting for every camera's first events`,
    );
    const everyCamera = async () => {
      const stored = await storedPerCamera(postgres.url);
      return cameras.every((c) => (stored.get(c) ?? 0) > 0);
    };
    if (!(await waitUntil(everyCamera, 90_000))) throw new Error('not every camera stored an event within 90 s of its host starting');
    const config = writeAlertsConfig(dir, webhookUrl, cameras);
    const alerts = new PlantProcess(
      'alerts',
      ['alerts', 'run', '--config', config, '--store', postgres.url, '--metrics-port', '-1'],
      'alerting running',
      onPid,
    );
    partial.alerts = alerts;
    await alerts.start();
    const dashboard = new PlantProcess('dashboard', ['dashboard', '--store', postgres.url, '--port', '0'], 'dashboard running', onPid);
    partial.dashboard = dashboard;
    await dashboard.start();
    return partial as Plant;
  } catch (err) {
    await stopPlant(partial);
    throw err;
  }
}

/** Stops whatever of the plant runs, the alert engine first (so the clean stops of the hosts page no one). */
export async function stopPlant(p: Partial<Plant>): Promise<void> {
  await p.alerts?.stop(10_000);
  await p.dashboard?.stop(10_000);
  await Promise.all((p.hosts ?? []).map((h) => h.process.stop(30_000)));
  await Promise.all((p.consumers ?? []).map((c) => c.stop(15_000)));
  await Promise.all([p.broker?.close(), p.postgres?.stop()]);
}

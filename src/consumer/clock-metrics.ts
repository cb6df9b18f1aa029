import { Gauge, type Registry } from 'prom-client';
import type { StoreReader } from '../store/reader.ts';

/**
 * `seamline_camera_clock_offset_seconds{region,site,camera}`: each camera's clock offset (the smallest
 * commit time - captured_at of its events over the last five minutes, store/clock-offsets.ts), read from
 * the store at scrape time. From the store, not this process: behind a shared subscription each consumer
 * commits only part of a camera's events. Positive: the camera's clock is behind (or its outbox is
 * draining a backlog); negative: ahead. A camera no consumer sampled in those five minutes has no series.
 */
export function clockMetrics(registry: Registry, reader: Pick<StoreReader, 'clockOffsets'>): Registry {
  new Gauge({
    name: 'seamline_camera_clock_offset_seconds',
    help: "Smallest commit time - captured_at of the camera's events over the last 5 minutes, read from the store: its clock offset (positive: behind).",
    labelNames: ['region', 'site', 'camera'],
    registers: [registry],
    async collect() {
      const rows = await reader.clockOffsets();
      this.reset();
      for (const r of rows) this.set({ region: r.region, site: r.site, camera: r.camera }, r.offsetMs / 1000);
    },
  });
  return registry;
}

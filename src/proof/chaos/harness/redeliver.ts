/**
 * A redelivery made on purpose, for the verdicts on PostgreSQL. There a unique index on event_id makes
 * "rows minus distinct ids" zero by construction, and a run may not happen to redeliver anything to the
 * store at all, so neither shows that the store still refuses a second copy. This does: it reads events the
 * store holds, publishes them again, and lets a consumer whose cache has never seen them ingest them. That
 * consumer must acknowledge every one as a duplicate and insert nothing; a double write shows as inserted
 * events here, and as surplus rows in the counts taken afterwards.
 */
import mqtt from 'mqtt';
import pg from 'pg';
import { detectionTopic, type DetectionV1 } from '../../../contract/index.ts';
import { startConsumer } from '../../../consumer/consumer.ts';
import { PostgresStore } from '../../../store/postgres/store.ts';
import { waitUntil } from './wait-until.ts';

export interface Redelivery {
  /** Stored events published again. */
  offered: number;
  /** Of those, how many the consumer acknowledged as duplicates (cache or store). */
  refused: number;
  /** Events and detection rows the store reported as newly written: 0 unless it wrote something twice. */
  inserted: number;
  insertedDetections: number;
}

/** Up to `limit` stored events rebuilt as detection.v1, with their boxes in order: exact redeliveries. */
export async function storedEvents(postgresUrl: string, limit: number): Promise<DetectionV1[]> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      // Detections have no index on event_id (store/postgres/schema.ts): grouped once and joined, not looked up per event.
      `WITH e AS (SELECT * FROM events ORDER BY captured_at, event_id LIMIT $1),
            d AS (SELECT event_id, json_agg(json_build_object('class', class, 'class_id', class_id, 'confidence', confidence,
                                                              'bbox', json_build_array(x, y, w, h)) ORDER BY idx) AS boxes
                  FROM detections WHERE event_id IN (SELECT event_id FROM e) GROUP BY event_id)
       SELECT e.event_id::text AS event_id, e.region, e.site, e.camera, e.seq::int8 AS seq, e.captured_at, e.inferred_at,
              e.model_name, e.model_version, e.frame_width, e.frame_height, coalesce(d.boxes, '[]'::json) AS detections
       FROM e LEFT JOIN d USING (event_id) ORDER BY e.captured_at, e.event_id`,
      [limit],
    );
    return rows.map((r) => ({
      schema_version: 'detection.v1',
      event_id: r.event_id,
      region: r.region,
      site: r.site,
      camera: r.camera,
      seq: Number(r.seq),
      captured_at: (r.captured_at as Date).toISOString(),
      inferred_at: (r.inferred_at as Date).toISOString(),
      model: { name: r.model_name, version: r.model_version },
      frame: { width: r.frame_width, height: r.frame_height },
      detections: r.detections,
    }));
  } finally {
    await client.end();
  }
}

/**
 * Publishes `count` stored events again and ingests them with a fresh consumer on a group of its own (so
 * the run's own consumers, running or gone, do not take them). Resolves once that consumer has settled all
 * of them, or after `timeoutMs` with what it managed.
 */
export async function redeliverStored(brokerUrl: string, postgresUrl: string, count: number, timeoutMs = 60_000): Promise<Redelivery> {
  const events = await storedEvents(postgresUrl, count);
  const store = new PostgresStore({ url: postgresUrl });
  await store.open();
  try {
    const consumer = await startConsumer({ url: brokerUrl, clientId: 'chaos-redelivery', group: 'redelivery', store });
    const s = consumer.ingestor.stats;
    try {
      const publisher = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, clientId: 'chaos-redelivery-pub' });
      try {
        await Promise.all(events.map((e) => publisher.publishAsync(detectionTopic(e), JSON.stringify(e), { qos: 1 })));
      } finally {
        await publisher.endAsync();
      }
      await waitUntil(
        () => s.duplicates + s.committedEvents >= events.length && s.pending === 0 && consumer.session.inFlight === 0,
        timeoutMs,
      );
    } finally {
      await consumer.stop();
    }
    return { offered: events.length, refused: s.duplicates, inserted: s.committedEvents, insertedDetections: s.committedDetections };
  } finally {
    await store.close();
  }
}

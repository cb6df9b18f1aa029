import { type EVIDENCE_CONTENT_TYPE, EVIDENCE_V1, type EvidenceV1 } from '../../contract/index.ts';

/**
 * The evidence table: the header's fields as columns (so the dashboard and the export can filter and later
 * join the events table on event_id), the image as bytea, event_id the primary key. Plain columns rather
 * than the header as JSON: every header field is fixed by the contract, and captured_at carries exactly
 * milliseconds, so the header read back is the one that arrived.
 */
export const evidenceDdl = (table: string, streams: string, schema: string) => [
  `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
  `CREATE TABLE IF NOT EXISTS ${table} (
    event_id uuid PRIMARY KEY, region text NOT NULL, site text NOT NULL, camera text NOT NULL,
    seq bigint NOT NULL, captured_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
    frame_width integer NOT NULL, frame_height integer NOT NULL, image_width integer NOT NULL,
    image_height integer NOT NULL, content_type text NOT NULL, bytes integer NOT NULL, sha256 text NOT NULL,
    masked boolean NOT NULL, detections jsonb NOT NULL, image bytea NOT NULL, model_name text, model_version text)`,
  // Tables created before images carried their model (evidence.v1's optional model).
  `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS model_name text`,
  `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS model_version text`,
  // ... and before they carried the edge queue's number (evidence.v1's optional image_stream).
  `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS image_stream text`,
  `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS image_seq bigint`,
  // Per camera and stream: the highest number and how many images arrived, counted by the insert that stored
  // each one (insertSql), so retention, which removes rows from `evidence` only, never changes them.
  `CREATE TABLE IF NOT EXISTS ${streams} (
    region text NOT NULL, site text NOT NULL, camera text NOT NULL, stream text NOT NULL,
    newest bigint NOT NULL, received bigint NOT NULL, PRIMARY KEY (region, site, camera, stream))`,
  // The dashboard lists one camera's newest; retention removes the oldest of all.
  `CREATE INDEX IF NOT EXISTS evidence_camera_captured ON ${table} (region, site, camera, captured_at DESC)`,
  `CREATE INDEX IF NOT EXISTS evidence_captured ON ${table} (captured_at)`,
];

export const HEADER_COLUMNS = `event_id, region, site, camera, seq, captured_at, received_at, frame_width, frame_height,
  image_width, image_height, content_type, bytes, sha256, masked, detections, model_name, model_version, image_stream, image_seq`;

/**
 * One statement, so one transaction: the image's row and its count in its stream commit together or not at
 * all. Only a row this statement inserted is counted (RETURNING yields nothing ON CONFLICT), and two
 * consumers inserting the same event_id at once serialize on its key: the second inserts nothing, counts
 * nothing. `stored` is 1 when the row is new, 0 for a duplicate.
 */
export const insertSql = (table: string, streams: string) =>
  `WITH ins AS (
     INSERT INTO ${table} (${HEADER_COLUMNS}, image)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
     ON CONFLICT (event_id) DO NOTHING
     RETURNING region, site, camera, image_stream, image_seq),
   counted AS (
     INSERT INTO ${streams} AS s (region, site, camera, stream, newest, received)
     SELECT region, site, camera, image_stream, image_seq, 1 FROM ins WHERE image_stream IS NOT NULL
     ON CONFLICT (region, site, camera, stream)
     DO UPDATE SET newest = greatest(s.newest, excluded.newest), received = s.received + 1)
   SELECT count(*)::integer AS stored FROM ins`;

/** Every stream, by camera then stream in byte order (as the directory store sorts them). */
export const imageGapsSql = (streams: string) =>
  `SELECT region, site, camera, stream, newest, received FROM ${streams}
   ORDER BY region COLLATE "C", site COLLATE "C", camera COLLATE "C", stream COLLATE "C"`;

export function insertValues(h: EvidenceV1, image: Buffer, receivedAt: Date): unknown[] {
  return [
    h.event_id,
    h.region,
    h.site,
    h.camera,
    h.seq,
    h.captured_at,
    receivedAt,
    h.frame.width,
    h.frame.height,
    h.image.width,
    h.image.height,
    h.image.content_type,
    h.image.bytes,
    h.image.sha256,
    h.masked,
    JSON.stringify(h.detections),
    h.model?.name ?? null,
    h.model?.version ?? null,
    h.image_stream?.id ?? null,
    h.image_stream?.seq ?? null,
    image,
  ];
}

/** A row back into the header, fields in the order encodeEvidence writes them. */
export function headerOf(row: Record<string, unknown>): EvidenceV1 {
  return {
    schema_version: EVIDENCE_V1,
    event_id: row.event_id as string,
    region: row.region as string,
    site: row.site as string,
    camera: row.camera as string,
    seq: Number(row.seq),
    captured_at: (row.captured_at as Date).toISOString(),
    frame: { width: row.frame_width as number, height: row.frame_height as number },
    detections: row.detections as EvidenceV1['detections'],
    ...(row.model_name == null ? {} : { model: { name: row.model_name as string, version: row.model_version as string } }),
    ...(row.image_stream == null ? {} : { image_stream: { id: row.image_stream as string, seq: Number(row.image_seq) } }),
    image: {
      content_type: row.content_type as typeof EVIDENCE_CONTENT_TYPE,
      width: row.image_width as number,
      height: row.image_height as number,
      bytes: row.bytes as number,
      sha256: row.sha256 as string,
    },
    masked: row.masked as boolean,
  };
}

/**
 * One batch of the oldest images past either bound: older than the cutoff, or, counted oldest first, within
 * the bytes over the cap (an image is taken while the bytes before it do not yet cover the excess).
 * RETURNING tells each consumer exactly what its own statement removed, even when two prune at once.
 */
export const pruneSql = (table: string) =>
  `WITH ordered AS (
     SELECT event_id, captured_at, sum(bytes) OVER (ORDER BY captured_at, event_id) - bytes AS before
     FROM ${table}),
   doomed AS (
     SELECT event_id FROM ordered WHERE captured_at < $1 OR before < $2
     ORDER BY captured_at, event_id LIMIT $3)
   DELETE FROM ${table} e USING doomed WHERE e.event_id = doomed.event_id
   RETURNING e.bytes`;

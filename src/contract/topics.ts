import { SeamError } from './errors.ts';
import { IDENTIFIER_RULE, isIdentifier } from './identifiers.ts';

export type TopicKind = 'detection' | 'status' | 'evidence';

const KINDS: readonly string[] = ['detection', 'status', 'evidence'] satisfies TopicKind[];

export interface CameraId {
  region: string;
  site: string;
  camera: string;
}

export interface ParsedTopic extends CameraId {
  kind: TopicKind;
}

export const TOPIC_ROOT = 'vision';
export const DETECTION_FILTER = `${TOPIC_ROOT}/+/+/+/detection`;
export const STATUS_FILTER = `${TOPIC_ROOT}/+/+/+/status`;
export const EVIDENCE_FILTER = `${TOPIC_ROOT}/+/+/+/evidence`;

/** The MQTT 5 shared subscription consumers join; every member gets a share of the detections. */
export function sharedDetectionFilter(group: string): string {
  if (!isIdentifier(group)) {
    throw new SeamError('SEAM_ERR_CONFIG', `share group "${group}" must be ${IDENTIFIER_RULE}`, { field: 'group' });
  }
  return `$share/${group}/${DETECTION_FILTER}`;
}

/** The same group's share of the evidence images (docs/evidence.md). */
export const sharedEvidenceFilter = (group: string) => sharedDetectionFilter(group).replace(DETECTION_FILTER, EVIDENCE_FILTER);

function topicFor(id: CameraId, kind: TopicKind): string {
  for (const field of ['region', 'site', 'camera'] as const) {
    if (!isIdentifier(id[field])) {
      throw new SeamError('SEAM_ERR_INVALID_INPUT', `${field} "${String(id[field])}" must be ${IDENTIFIER_RULE}`, { field });
    }
  }
  return `${TOPIC_ROOT}/${id.region}/${id.site}/${id.camera}/${kind}`;
}

export const detectionTopic = (id: CameraId) => topicFor(id, 'detection');
export const statusTopic = (id: CameraId) => topicFor(id, 'status');
export const evidenceTopic = (id: CameraId) => topicFor(id, 'evidence');

const SEGMENTS = ['region', 'site', 'camera'] as const;

/** Parses vision/{region}/{site}/{camera}/{detection|status|evidence}; throws SEAM_ERR_BAD_TOPIC naming the bad segment. */
export function parseTopic(topic: string): ParsedTopic {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT) {
    throw new SeamError('SEAM_ERR_BAD_TOPIC', `topic "${topic}" is not ${TOPIC_ROOT}/{region}/{site}/{camera}/{kind}`, {
      field: 'topic',
    });
  }
  const kind = parts[4];
  if (!KINDS.includes(kind)) {
    throw new SeamError('SEAM_ERR_BAD_TOPIC', `topic "${topic}" ends in "${kind}", expected "detection", "status" or "evidence"`, {
      field: 'topic',
    });
  }
  for (let i = 0; i < SEGMENTS.length; i++) {
    if (!isIdentifier(parts[i + 1])) {
      throw new SeamError('SEAM_ERR_BAD_TOPIC', `topic ${SEGMENTS[i]} segment "${parts[i + 1]}" must be ${IDENTIFIER_RULE}`, {
        field: `topic.${SEGMENTS[i]}`,
      });
    }
  }
  return { region: parts[1], site: parts[2], camera: parts[3], kind: kind as TopicKind };
}

export function cameraKey(id: CameraId): string {
  return `${id.region}/${id.site}/${id.camera}`;
}

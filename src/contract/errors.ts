/**
 * Every error Seamline raises on purpose, with a stable code. docs/errors.md lists them all;
 * test/contract/errors.test.ts keeps the two in step.
 *
 * `kind` says what the caller should do: `poison` (acknowledge and dead-letter, retrying cannot help),
 * `retryable` (wait and try again; the data is still held upstream), `fatal` (configuration: stop and say so).
 */
export type ErrorKind = 'poison' | 'retryable' | 'fatal' | 'refused';

export const ERROR_CODES = {
  SEAM_ERR_PAYLOAD_TOO_LARGE: { kind: 'poison', summary: 'The payload is larger than the configured limit.' },
  SEAM_ERR_MALFORMED_JSON: { kind: 'poison', summary: 'The payload is not valid UTF-8 JSON, or not a JSON object.' },
  SEAM_ERR_UNKNOWN_SCHEMA_VERSION: { kind: 'poison', summary: 'The payload names a schema_version this build does not know.' },
  SEAM_ERR_SCHEMA_VIOLATION: { kind: 'poison', summary: 'A field is missing, unknown, of the wrong type or out of range.' },
  SEAM_ERR_TOPIC_MISMATCH: { kind: 'poison', summary: 'region, site or camera in the payload differ from the topic.' },
  SEAM_ERR_BAD_TOPIC: { kind: 'poison', summary: 'The topic is not vision/{region}/{site}/{camera}/detection|status|evidence.' },
  SEAM_ERR_INVALID_INPUT: { kind: 'refused', summary: 'A producer handed the edge bridge a record it cannot accept.' },
  SEAM_ERR_OUTBOX_FULL: { kind: 'refused', summary: 'The outbox is at its byte bound and the policy is reject-new.' },
  SEAM_ERR_STORE_UNAVAILABLE: { kind: 'retryable', summary: 'The store did not commit; the batch stays unacknowledged.' },
  SEAM_ERR_STORE_REFUSED: {
    kind: 'poison',
    summary: "The store refused a message that passed the contract; that message alone is dead-lettered with the store's reason.",
  },
  SEAM_ERR_BROKER_UNAVAILABLE: { kind: 'retryable', summary: 'The MQTT broker cannot be reached or refused the session.' },
  SEAM_ERR_BROKER_AUTH: { kind: 'fatal', summary: 'The broker refused the credentials or the client is not authorised.' },
  SEAM_ERR_CONFIG: { kind: 'fatal', summary: 'A flag or config file value is invalid.' },
  SEAM_ERR_LISTEN: {
    kind: 'fatal',
    summary: 'A listener cannot open its address: in use, not permitted, or not an address of this machine.',
  },
  SEAM_ERR_SOURCE_UNREADABLE: {
    kind: 'fatal',
    summary: 'A frame source file exists but cannot be decoded (corrupt, or not an image or video).',
  },
  SEAM_ERR_SOURCE_UNAVAILABLE: {
    kind: 'retryable',
    summary: 'A live stream could not be opened: unreachable, refused, or it sent nothing.',
  },
  SEAM_ERR_NOTIFY_FAILED: { kind: 'retryable', summary: 'An alert receiver did not accept a notification (seamline alerts test).' },
  SEAM_ERR_MODEL: {
    kind: 'fatal',
    summary: 'A detection model file is missing, unreadable, not ONNX, or of a task, input or output layout the detector does not run.',
  },
  SEAM_ERR_BAD_QUERY: { kind: 'refused', summary: 'A dashboard API request has a missing, repeated or out-of-range parameter.' },
} as const satisfies Record<string, { kind: ErrorKind; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SeamError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  /** The field or resource at fault, e.g. `detections[2].confidence` or `store`. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SeamError';
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
    this.field = options.field;
  }

  toJSON() {
    return { code: this.code, field: this.field, message: this.message };
  }
}

export function isSeamError(err: unknown, code?: ErrorCode): err is SeamError {
  return err instanceof SeamError && (code === undefined || err.code === code);
}

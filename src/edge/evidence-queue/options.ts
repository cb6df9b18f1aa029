import { pino, type Logger } from 'pino';
import { DEFAULT_MAX_EVIDENCE_BYTES, SeamError } from '../../contract/index.ts';

/**
 * What a power loss may cost the image queue (a process crash costs nothing in either mode: a committed
 * LMDB transaction is in the OS page cache). `batch` (default): an image may be sent once its write is
 * committed, the fsync runs right behind it. `always`: only once it is fsync'd. Images are evidence, not
 * counts: losing the last few on a power cut is acceptable where losing an event is not, so the default is
 * lighter than the outbox's.
 */
export type EvidenceFsyncPolicy = 'always' | 'batch';

export interface EvidenceQueueOptions {
  /** Directory of the queue's own LMDB environment (e.g. `<dataDir>/evidence`); created if missing. */
  path: string;
  /** Bound on the image bytes queued (waiting and in flight); the oldest waiting images give way. Default 256 MiB. */
  maxBytes?: number;
  /** Largest single message accepted; larger ones are refused at `offer`. Default 1,000,000 (the contract's cap). */
  maxMessageBytes?: number;
  fsync?: EvidenceFsyncPolicy;
  logger?: Logger;
}

export interface EvidenceQueuePolicy {
  path: string;
  maxBytes: number;
  maxMessageBytes: number;
  fsync: EvidenceFsyncPolicy;
  logger: Logger;
}

export const DEFAULT_EVIDENCE_QUEUE_BYTES = 256 * 1024 ** 2;

const bad = (field: string, reason: string) => new SeamError('SEAM_ERR_CONFIG', `${field} ${reason}`, { field });

/** Applies the defaults; a value out of range is SEAM_ERR_CONFIG naming the option. */
export function evidenceQueuePolicy(options: EvidenceQueueOptions): EvidenceQueuePolicy {
  const policy: EvidenceQueuePolicy = {
    path: options.path,
    maxBytes: options.maxBytes ?? DEFAULT_EVIDENCE_QUEUE_BYTES,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_EVIDENCE_BYTES,
    fsync: options.fsync ?? 'batch',
    logger: options.logger ?? pino({ level: 'silent' }),
  };
  if (typeof policy.path !== 'string' || policy.path === '') throw bad('path', 'is required');
  if (!Number.isSafeInteger(policy.maxBytes) || policy.maxBytes <= 0)
    throw bad('maxBytes', `must be an integer > 0, got ${policy.maxBytes}`);
  if (!Number.isSafeInteger(policy.maxMessageBytes) || policy.maxMessageBytes <= 0)
    throw bad('maxMessageBytes', `must be an integer > 0, got ${policy.maxMessageBytes}`);
  if (policy.fsync !== 'always' && policy.fsync !== 'batch') throw bad('fsync', `must be always or batch, got "${policy.fsync}"`);
  return policy;
}

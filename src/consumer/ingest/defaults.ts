/**
 * The Ingestor's defaults, in a module of their own so that the CLI's config (cli/config/consumer.ts) shows the
 * same figures without loading the Ingestor, its logger and the decoder on every `--help`.
 */

/** Deliveries a batch holds before it is committed at once: large enough to spread a commit's fixed cost (ingest.ts waitMs). */
export const DEFAULT_BATCH_SIZE = 5000;
/** How old the oldest waiting delivery may get before its batch goes, ms: lag stays in tens of milliseconds. */
export const DEFAULT_FLUSH_MS = 20;
/** Deliveries held beyond the commits under way before reading pauses. */
export const DEFAULT_MAX_PENDING = 20_000;

import { readmeRows } from './readme-rows.ts';

// The README command table's help rows, run as written (test/docs/readme-rows.ts).
readmeRows('help', { timeoutMs: 120_000, concurrent: true });

import { readmeRows } from './readme-rows.ts';

// The README command table's chaos rows, run as written (test/docs/readme-rows.ts).
readmeRows('chaos', { timeoutMs: 120_000 });

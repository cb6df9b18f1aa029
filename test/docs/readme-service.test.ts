import { readmeRows } from './readme-rows.ts';

// The README command table's service rows, run as written (test/docs/readme-rows.ts).
readmeRows('service', { timeoutMs: 120_000 });

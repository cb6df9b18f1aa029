import { readmeRows } from './readme-rows.ts';

// The README command table's bench rows, run as written (test/docs/readme-rows.ts).
readmeRows('bench', { timeoutMs: 150_000 });

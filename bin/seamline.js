#!/usr/bin/env -S node --max-semi-space-size=64
// Runs the compiled dist/ when it was built from the sources as they are now (scripts/build.mjs, run by
// `npm ci` and by the start and test commands); otherwise the TypeScript sources through tsx, which is slower
// to start but can never be stale.
import { distIsFresh } from '../scripts/build-fingerprint.mjs';

if (distIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

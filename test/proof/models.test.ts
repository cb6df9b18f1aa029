import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MODELS_DIR, SHIPPED_MODELS } from '../../src/proof/models/generate.ts';

test('every committed model in models/ is exactly what its generator writes (npm run models)', { timeout: 30_000 }, () => {
  for (const [name, make] of Object.entries(SHIPPED_MODELS)) {
    const committed = readFileSync(join(MODELS_DIR, name));
    assert.ok(committed.equals(make()), `models/${name} differs from its generator: run npm run models and commit`);
  }
});

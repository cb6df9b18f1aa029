import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { schemaFiles } from '../../src/contract/schema-files.ts';

test('the committed JSON Schema files match the contract definition (run `npm run schemas` after a change)', { timeout: 10_000 }, () => {
  for (const [file, text] of Object.entries(schemaFiles())) {
    const committed = readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8');
    assert.equal(committed, text, `schemas/${file} is stale`);
  }
});

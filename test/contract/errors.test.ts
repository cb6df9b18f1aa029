import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, SeamError } from '../../src/contract/index.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test('every error code is documented in docs/errors.md with its kind', { timeout: 10_000 }, () => {
  for (const [code, { kind }] of Object.entries(ERROR_CODES)) {
    const row = doc.split('\n').find((line) => line.includes(`\`${code}\``));
    assert.ok(row, `${code} is missing from docs/errors.md`);
    assert.ok(row.includes(kind), `${code} row does not say it is ${kind}`);
  }
});

test('docs/errors.md lists no code the code base does not have', { timeout: 10_000 }, () => {
  const documented = [...doc.matchAll(/`(SEAM_ERR_[A-Z_]+)`/g)].map((m) => m[1]);
  for (const code of documented) assert.ok(code in ERROR_CODES, `${code} is documented but does not exist`);
});

test('a SeamError carries its code, kind, field and cause', { timeout: 10_000 }, () => {
  const cause = new Error('disk full');
  const err = new SeamError('SEAM_ERR_STORE_UNAVAILABLE', 'write failed', { field: 'store', cause });
  assert.equal(err.kind, 'retryable');
  assert.equal(err.field, 'store');
  assert.equal(err.cause, cause);
  assert.deepEqual(err.toJSON(), { code: 'SEAM_ERR_STORE_UNAVAILABLE', field: 'store', message: 'write failed' });
});

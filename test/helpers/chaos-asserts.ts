import assert from 'node:assert/strict';

/** Both consumer processes of the shared subscription committed something, into PostgreSQL (a chaos result's fields). */
export function twoConsumersIntoPostgres(r: Record<string, unknown>): void {
  assert.equal(r.store, 'postgres');
  const each = String(r.per_consumer).split(',').map(Number);
  assert.equal(each.length, 2, `two consumers: ${r.per_consumer}`);
  assert.ok(
    each.every((n) => n > 0),
    `each consumer committed something: ${r.per_consumer}`,
  );
}

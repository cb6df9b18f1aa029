import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { isSeamError } from '../../src/contract/index.ts';
import { listen, listenError } from '../../src/plumbing/listen.ts';

/** Each address error a listener can meet becomes SEAM_ERR_LISTEN naming the listener, the address and why. */

test('a port another program holds: SEAM_ERR_LISTEN on field port, "is in use by another program"', { timeout: 10_000 }, async () => {
  const holder = createServer();
  await listen(holder, 0, '127.0.0.1', 'holder');
  const port = (holder.address() as { port: number }).port;
  try {
    await assert.rejects(listen(createServer(), port, '127.0.0.1', 'dashboard'), (err) => {
      assert.ok(isSeamError(err, 'SEAM_ERR_LISTEN'));
      assert.equal(err.field, 'port');
      assert.equal(err.message, `dashboard cannot listen on 127.0.0.1:${port}: the address is in use by another program`);
      return true;
    });
  } finally {
    holder.close();
  }
});

test("an address that is not this machine's: SEAM_ERR_LISTEN on field host", { timeout: 10_000 }, async () => {
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this host.
  await assert.rejects(listen(createServer(), 0, '192.0.2.1', '/metrics'), (err) => {
    assert.ok(isSeamError(err, 'SEAM_ERR_LISTEN'));
    assert.equal(err.field, 'host');
    assert.match(err.message, /^\/metrics cannot listen on 192\.0\.2\.1:0: the address is not an address of this machine$/);
    return true;
  });
});

test('a port the user may not bind (EACCES) says it is not permitted; other errors pass through unchanged', { timeout: 10_000 }, () => {
  // As root every port is permitted (and some hosts lower ip_unprivileged_port_start to 0), so the mapping is
  // checked on the error object Node raises: { code: 'EACCES', syscall: 'listen' }.
  const denied = Object.assign(new Error('listen EACCES: permission denied 127.0.0.1:80'), { code: 'EACCES', syscall: 'listen' });
  const err = listenError(denied, 'embedded MQTT broker', '127.0.0.1', 80);
  assert.ok(isSeamError(err, 'SEAM_ERR_LISTEN'));
  assert.equal(err.field, 'port');
  assert.equal(
    err.message,
    'embedded MQTT broker cannot listen on 127.0.0.1:80: the address is not permitted to this user (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  );
  assert.equal(err.cause, denied);
  const other = Object.assign(new Error('boom'), { code: 'EMFILE' });
  assert.equal(listenError(other, 'dashboard', '127.0.0.1', 8080), other);
  assert.match(String((listenError(denied, 'dashboard', '::1', 80) as Error).message), /\[::1\]:80/);
});

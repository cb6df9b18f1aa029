import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { TcpProxy } from '../../src/proof/chaos/harness/tcp-proxy.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An echo server behind a proxy; `connect` opens a client through the proxy and collects what comes back. */
async function rig(mode: 'blackhole' | 'refuse') {
  const echo = createServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const proxy = new TcpProxy({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port }, mode);
  await proxy.listen();
  const connect = async () => {
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
    const client = { socket, got: '', closed: false };
    socket.on('data', (d) => (client.got += d));
    socket.on('error', () => {});
    socket.on('close', () => (client.closed = true));
    await once(socket, 'connect');
    return client;
  };
  const close = async (...sockets: Socket[]) => {
    for (const s of sockets) s.destroy();
    await proxy.close();
    echo.close();
  };
  return { proxy, connect, close };
}

test('blackhole: an open connection goes silent without closing, a new one is held; at the heal the silent one is closed and the held one gets through with what it sent', {
  timeout: 10_000,
}, async () => {
  const { proxy, connect, close } = await rig('blackhole');
  const a = await connect();
  a.socket.write('one');
  await sleep(100);
  assert.equal(a.got, 'one');
  proxy.cut();
  a.socket.write('two');
  const b = await connect();
  b.socket.write('held');
  await sleep(200);
  assert.deepEqual([a.got, a.closed, b.got, b.closed], ['one', false, '', false]);
  assert.equal(proxy.forwarded, 6, 'only "one" crossed, both ways');
  assert.deepEqual([proxy.counts.bytesHeld, proxy.counts.connections, proxy.counts.connectionsWhileCut], [7, 2, 1]);
  proxy.heal();
  await sleep(200);
  assert.deepEqual([a.closed, b.got, b.closed], [true, 'held', false]);
  await close(a.socket, b.socket);
});

test('refuse: a cut closes the open connection and every new one at once; after the heal connections go through again', {
  timeout: 10_000,
}, async () => {
  const { proxy, connect, close } = await rig('refuse');
  const a = await connect();
  proxy.cut();
  await sleep(100);
  assert.equal(a.closed, true);
  const b = await connect();
  await sleep(100);
  assert.equal(b.closed, true);
  proxy.heal();
  const c = await connect();
  c.socket.write('back');
  await sleep(100);
  assert.deepEqual([c.got, c.closed, proxy.counts.connectionsWhileCut], ['back', false, 1]);
  await close(c.socket);
});

import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/** A TCP proxy on loopback in front of a broker, which can hold the client's bytes and cut every connection. */
export interface CutProxy {
  url: string;
  /** Stops forwarding what clients send (it is buffered), so their PUBLISHes wait for PUBACKs that cannot come. */
  hold(): void;
  /** Destroys every connection (buffered bytes are lost) and forwards again for the next ones. */
  cut(): void;
  close(): Promise<void>;
}

export async function startCutProxy(brokerPort: number): Promise<CutProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let holding = false;
  const server = createServer((client) => {
    const upstream = connect(brokerPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (!holding) upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    hold: () => void (holding = true),
    cut() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      holding = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

import { createServer, type AddressInfo } from 'node:net';

/** Asks the kernel for a free loopback port, for services we start that cannot take port 0 themselves. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

import { EvidenceTransport, type EvidenceTransportOptions } from '../../../src/edge/evidence-queue/transport.ts';
import { tempDir } from '../support.ts';

let ids = 0;

/** An image transport on `url` with a short backoff, in a fresh data directory unless one is given. */
export function transportOn(
  url: string,
  overrides: Partial<EvidenceTransportOptions> = {},
  cleanups: (() => unknown)[] = [],
): EvidenceTransport {
  let dataDir = overrides.dataDir;
  if (!dataDir) {
    const t = tempDir('seamline-evidence-');
    cleanups.push(t.cleanup);
    dataDir = t.dir;
  }
  const transport = new EvidenceTransport({
    url,
    clientId: `edge-evidence-test-${process.pid}-${ids++}`,
    protocol: 5,
    reconnectMinMs: 50,
    reconnectMaxMs: 500,
    ...overrides,
    dataDir,
  });
  cleanups.push(() => transport.close());
  return transport;
}

import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * How a cut looks to the client. `blackhole` (default), as a real partition looks: open connections go
 * silent both ways (nothing is forwarded, nothing is closed) and new ones are accepted and held without
 * reaching the broker, so only the client's keepalive or connect timeout can tell. `refuse`: open
 * connections are destroyed and new ones are closed as soon as they arrive.
 */
export type CutMode = 'blackhole' | 'refuse';

export interface ProxyCounts {
  /** Bytes forwarded client to broker and broker to client. */
  bytesUp: number;
  bytesDown: number;
  /** Bytes that arrived from either side while cut and were not forwarded then. */
  bytesHeld: number;
  /** Connections accepted, and how many of them arrived while cut. */
  connections: number;
  connectionsWhileCut: number;
}

interface Link {
  client: Socket;
  upstream: Socket | undefined;
  /** Silenced by a cut: nothing more crosses, and it is closed at heal. */
  silent: boolean;
  /** Arrived while cut: what the client sent is kept and forwarded at heal. */
  held: Buffer[] | undefined;
}

/** A TCP proxy on loopback between bridges and a broker, which a chaos scenario cuts and heals. */
export class TcpProxy {
  readonly counts: ProxyCounts = { bytesUp: 0, bytesDown: 0, bytesHeld: 0, connections: 0, connectionsWhileCut: 0 };
  private readonly links = new Set<Link>();
  private readonly server: Server;
  private cutMode: CutMode | undefined;
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly mode: CutMode = 'blackhole',
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 (a free port unless one is given). */
  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.cutMode !== undefined;
  }

  /** Bytes forwarded either way so far: unchanged across a cut means nothing crossed. */
  get forwarded(): number {
    return this.counts.bytesUp + this.counts.bytesDown;
  }

  /** Starts the partition. */
  cut(): void {
    this.cutMode = this.mode;
    for (const link of this.links) {
      if (this.mode === 'refuse') this.drop(link);
      else link.silent = true;
    }
  }

  /** Ends it: silenced connections are closed (their peers gave up on them), held ones reach the broker. */
  heal(): void {
    this.cutMode = undefined;
    for (const link of this.links) {
      if (link.silent) this.drop(link);
      else if (link.held) this.connectUpstream(link);
    }
  }

  async close(): Promise<void> {
    for (const link of this.links) this.drop(link);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.counts.connections++;
    client.on('error', () => {});
    if (this.cutMode === 'refuse') {
      this.counts.connectionsWhileCut++;
      client.destroy();
      return;
    }
    const link: Link = { client, upstream: undefined, silent: false, held: undefined };
    this.links.add(link);
    client.on('close', () => this.drop(link));
    client.on('data', (chunk: Buffer) => {
      if (link.silent) this.counts.bytesHeld += chunk.length;
      else if (link.held) {
        this.counts.bytesHeld += chunk.length;
        link.held.push(chunk);
      } else if (link.upstream) {
        link.upstream.write(chunk);
        this.counts.bytesUp += chunk.length;
      }
    });
    if (this.cutMode === 'blackhole') {
      this.counts.connectionsWhileCut++;
      link.held = [];
    } else this.connectUpstream(link);
  }

  private connectUpstream(link: Link): void {
    const upstream = createConnection(this.target);
    link.upstream = upstream;
    for (const chunk of link.held ?? []) {
      upstream.write(chunk);
      this.counts.bytesUp += chunk.length;
    }
    link.held = undefined;
    upstream.on('error', () => {});
    upstream.on('data', (chunk: Buffer) => {
      if (link.silent) this.counts.bytesHeld += chunk.length;
      else {
        this.counts.bytesDown += chunk.length;
        link.client.write(chunk);
      }
    });
    // The broker closing a silenced connection (its keepalive ran out) must not reach the client either.
    upstream.on('close', () => {
      if (!link.silent) this.drop(link);
    });
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }
}

/**
 * A live camera on loopback: an HTTP server that answers each GET with an endless MPEG-TS stream, encoded
 * on the fly by its own ffmpeg from lavfi's testsrc. Tests cut it (connections dropped and the port
 * closed, so reconnects are refused), restore it on the same port, or stall it (connections held open,
 * nothing sent) to exercise the frame source's restarts and watchdog.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { killWithUs } from '../../../src/plumbing/children.ts';

export interface StreamServer {
  /** http://user:secret@127.0.0.1:port/cam.ts — with credentials, so tests can check they are redacted. */
  url: string;
  port: number;
  /** GET requests served so far. */
  connections: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Keeps every open connection but sends nothing more on it; new connections stream normally. */
  stall(): void;
  close(): Promise<void>;
}

export async function startStreamServer(options: { fps: number; size?: string } = { fps: 25 }): Promise<StreamServer> {
  const encoders = new Set<ChildProcess>();
  const sockets = new Set<Socket>();
  const stalled = new WeakSet<ServerResponse>();
  const responses = new Set<ServerResponse>();
  let server: Server;
  let port = 0;

  const handler = (_req: unknown, res: ServerResponse) => {
    state.connections++;
    res.writeHead(200, { 'content-type': 'video/mp2t' });
    const encoder = killWithUs(
      spawn(
        'ffmpeg',
        [
          '-hide_banner',
          '-nostdin',
          '-loglevel',
          'error',
          '-re',
          '-f',
          'lavfi',
          '-i',
          `testsrc=size=${options.size ?? '160x120'}:rate=${options.fps}`,
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-tune',
          'zerolatency',
          '-g',
          '10',
          '-pix_fmt',
          'yuv420p',
          '-flush_packets',
          '1',
          '-muxdelay',
          '0',
          '-f',
          'mpegts',
          'pipe:1',
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      ),
    );
    encoders.add(encoder);
    responses.add(res);
    encoder.stdout!.on('data', (chunk: Buffer) => {
      if (!stalled.has(res)) res.write(chunk);
    });
    const end = () => {
      encoders.delete(encoder);
      responses.delete(res);
      encoder.kill('SIGKILL');
    };
    res.on('close', end);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(handler);
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });

  const cut = async () => {
    for (const e of encoders) e.kill('SIGKILL');
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  await listen();
  const state: StreamServer = {
    url: `http://user:secret@127.0.0.1:${port}/cam.ts`,
    port,
    connections: 0,
    cut,
    restore: listen,
    stall: () => {
      for (const r of responses) stalled.add(r);
    },
    close: async () => {
      if (server.listening) await cut();
    },
  };
  return state;
}

import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SeamError } from '../../contract/index.ts';
import { redactUrl } from '../../plumbing/redact.ts';

export interface DialOptions {
  url: string;
  /** TLS material for mqtts:// (also ssl:// and tls://). */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Gives up on a TCP/TLS handshake that neither succeeds nor fails (a black-holed address). */
  timeoutMs: number;
}

export interface BrokerAddress {
  host: string;
  port: number;
  secure: boolean;
  /** Credentials written into the URL, used when the options carry none. */
  username: string | undefined;
  password: string | undefined;
}

const PLAIN = new Set(['mqtt:', 'tcp:']);
const SECURE = new Set(['mqtts:', 'ssl:', 'tls:']);

export { redactUrl };

export function parseBrokerUrl(url: string): BrokerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new SeamError('SEAM_ERR_CONFIG', `broker url ${redactUrl(url)} is not a URL`, { field: 'url', cause });
  }
  const secure = SECURE.has(parsed.protocol);
  if (!secure && !PLAIN.has(parsed.protocol)) {
    throw new SeamError('SEAM_ERR_CONFIG', `broker url ${redactUrl(url)}: use mqtt:// or mqtts://`, { field: 'url' });
  }
  return {
    // WHATWG URL keeps the brackets around IPv6 literals; net.connect wants them off.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: parsed.port ? Number(parsed.port) : secure ? 8883 : 1883,
    secure,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

/** Opens a TCP or TLS socket to the broker; resolves once the connection (and handshake) is up. */
export function dial(options: DialOptions): Promise<Socket> {
  const address = parseBrokerUrl(options.url);
  const socket: Socket = address.secure
    ? tlsConnect({
        host: address.host,
        port: address.port,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        // SNI must not carry an IP address.
        servername: isIP(address.host) ? undefined : address.host,
      })
    : netConnect({ host: address.host, port: address.port });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy(new Error(`connect timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once(address.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      // PUBACK batches and PINGREQs are small; Nagle would hold them back behind each other.
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

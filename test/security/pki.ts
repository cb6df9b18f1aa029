import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a throwaway PKI: paths for the broker's config, contents for the clients. */
export interface TestPki {
  caPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  ca: Buffer;
  /** A client certificate for mutual TLS, CN `clientName`, signed by the CA. */
  clientCert: Buffer;
  clientKey: Buffer;
  /** A second CA that signed nothing the broker uses: a client trusting only it must refuse the broker. */
  untrustedCa: Buffer;
}

function openssl(dir: string, args: string[]): void {
  // stdio piped, not inherited: openssl chatters on stderr even when it succeeds.
  execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });
}

// EC P-256 keys: generated in milliseconds, where RSA would cost the suite real time.
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function issue(dir: string, name: string, cn: string, extensions: string[]): void {
  openssl(dir, ['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  writeFileSync(join(dir, `${name}.ext`), ['basicConstraints=CA:FALSE', ...extensions].join('\n') + '\n');
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.crt`,
    '-extfile',
    `${name}.ext`,
  ]);
}

/**
 * Generates, in `dir`, a CA, a server certificate for 127.0.0.1 (the IP in subjectAltName, which is what
 * Node checks for an IP address), a client certificate and an unrelated CA.
 */
export function makePki(dir: string, clientName: string): TestPki {
  makeCa(dir, 'ca', 'Seamline test CA');
  makeCa(dir, 'untrusted-ca', 'Somebody else');
  issue(dir, 'server', '127.0.0.1', ['subjectAltName=IP:127.0.0.1', 'extendedKeyUsage=serverAuth']);
  issue(dir, 'client', clientName, ['extendedKeyUsage=clientAuth']);
  const read = (file: string) => readFileSync(join(dir, file));
  return {
    caPath: join(dir, 'ca.crt'),
    serverCertPath: join(dir, 'server.crt'),
    serverKeyPath: join(dir, 'server.key'),
    ca: read('ca.crt'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    untrustedCa: read('untrusted-ca.crt'),
  };
}

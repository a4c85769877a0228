import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate authority of the test's own, and a server certificate it signed for 127.0.0.1 and localhost. */
export interface TestCertificates {
  /** The authority's certificate: what a client is told to trust (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  certFile: string;
  keyFile: string;
  remove(): void;
}

/**
 * Makes, with openssl, what a private deployment has: its own authority,
 * trusted by nothing on this machine, and a server certificate it signed. A
 * client trusts the server only once it is told to trust that authority.
 */
export async function testCertificates(): Promise<TestCertificates> {
  const directory = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
  const at = (name: string) => join(directory, name);
  const openssl = (args: string[]) => run('openssl', args, { cwd: directory });
  try {
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at('ca.key'),
      '-out',
      at('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=Tessera test CA',
    ]);
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=localhost']);
    writeFileSync(at('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    await openssl([
      'x509',
      '-req',
      '-in',
      at('server.csr'),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at('server.pem'),
      '-days',
      '2',
      '-extfile',
      at('server.ext'),
    ]);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`This test needs openssl to make its certificates: ${(error as Error).message}`, { cause: error });
  }
  return {
    caFile: at('ca.pem'),
    certFile: at('server.pem'),
    keyFile: at('server.key'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/**
 * A server on 127.0.0.1 that takes TLS with `certificates` and says nothing
 * more: enough for a client to check the certificate and refuse it. Given
 * `postgres`, it first answers a Postgres SSLRequest with 'S', as a Postgres
 * that takes TLS does, for clients that ask before they begin TLS.
 */
export async function startTlsServer(
  certificates: TestCertificates,
  options: { postgres?: boolean } = {},
): Promise<{ port: number; close: () => Promise<void> }> {
  const cert = readFileSync(certificates.certFile);
  const key = readFileSync(certificates.keyFile);
  const sockets = new Set<Socket>();
  const upgrade = (socket: Socket) => {
    const secure = new TLSSocket(socket, { isServer: true, cert, key });
    secure.on('error', () => socket.destroy());
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (!options.postgres) return upgrade(socket);
    socket.once('data', () => {
      socket.write('S');
      upgrade(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

import { createServer, Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { untilPasses } from '../../../../test/harness/eventually';
import { refuseSlowRequests } from './slow-requests';

describe('refusing requests that do not arrive in time', () => {
  const limits = { headersMs: 400, requestMs: 1_000, checkEveryMs: 50 };
  let server: Server;
  let port: number;

  beforeEach(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.end('served'));
    });
    refuseSlowRequests(server, limits);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A client connection, with what the server wrote to it and when it was closed. */
  async function client(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise((resolve) => socket.once('connect', resolve));
    return { socket, received: () => received, closed };
  }

  it('closes a connection that sends nothing, and one whose headers stop half-way, with 408', async () => {
    const silent = await client();
    const halfHeaders = await client();
    halfHeaders.socket.write('GET /products HTTP/1.1\r\nHost: shop\r\n');

    await Promise.all([silent.closed, halfHeaders.closed]);

    expect(halfHeaders.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 to a request whose body trickles in slower than the whole request may take', async () => {
    const trickling = await client();
    trickling.socket.write('POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    const drip = setInterval(() => trickling.socket.writable && trickling.socket.write(' '), limits.headersMs / 4);

    await trickling.closed;
    clearInterval(drip);

    expect(trickling.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('keeps a connection open between requests, however long, for the next one to be served', async () => {
    const keptAlive = await client();
    const request = 'GET /products HTTP/1.1\r\nHost: shop\r\n\r\n';
    keptAlive.socket.write(request);
    await untilPasses(() => expect(keptAlive.received()).toContain('served'));

    // Idle past both limits and several checks: only the keep-alive timeout, 5 s in Node, ends it.
    await new Promise((resolve) => setTimeout(resolve, limits.requestMs + 4 * limits.checkEveryMs));
    keptAlive.socket.write(request);

    await untilPasses(() => expect(keptAlive.received().split('served')).toHaveLength(3));
    expect(keptAlive.socket.destroyed).toBe(false);
    keptAlive.socket.destroy();
  });
});

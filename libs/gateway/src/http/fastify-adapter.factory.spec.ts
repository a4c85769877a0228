import { createRootLogger } from '@tessera/platform';
import { connect, type AddressInfo } from 'node:net';
import { createFastifyAdapter, trustedProxies } from './fastify-adapter.factory';

describe('trustedProxies (TRUST_PROXY)', () => {
  it('trusts nobody when unset or empty, and takes addresses and CIDRs, comma-separated', () => {
    expect(trustedProxies(undefined)).toBe(false);
    expect(trustedProxies(' ')).toBe(false);
    expect(trustedProxies('10.0.0.1, 10.1.0.0/16,::1,fd00::/8')).toEqual(['10.0.0.1', '10.1.0.0/16', '::1', 'fd00::/8']);
  });

  it('names what is neither an address nor a CIDR', () => {
    expect(() => trustedProxies('10.0.0.1,proxy.internal')).toThrow(/TRUST_PROXY.*"proxy.internal"/);
    expect(() => trustedProxies('10.0.0.0/33')).toThrow(/TRUST_PROXY/);
  });
});

describe('the client address the rate limits count by', () => {
  async function clientAddressSeen(trustProxy: string[] | false, remoteAddress: string, forwardedFor: string): Promise<string> {
    const adapter = createFastifyAdapter(createRootLogger('adapter-spec', 'silent'), { trustProxy });
    const fastify = adapter.getInstance();
    fastify.get('/ip', async (request) => ({ ip: request.ip }));
    const response = await fastify.inject({ method: 'GET', url: '/ip', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
    await fastify.close();
    return response.json().ip;
  }

  it('is the forwarded client behind a trusted proxy, and the socket peer otherwise', async () => {
    await expect(clientAddressSeen(['10.0.0.0/8'], '10.0.0.5', '203.0.113.9')).resolves.toBe('203.0.113.9');
    await expect(clientAddressSeen(['10.0.0.0/8'], '198.51.100.1', '203.0.113.9')).resolves.toBe('198.51.100.1');
    await expect(clientAddressSeen(false, '10.0.0.5', '203.0.113.9')).resolves.toBe('10.0.0.5');
  });
});

describe('a request that Node cannot parse', () => {
  async function rawAnswer(request: string): Promise<{ head: string[]; body: unknown }> {
    const adapter = createFastifyAdapter(createRootLogger('adapter-spec', 'silent'));
    const fastify = adapter.getInstance();
    fastify.get('/hello', async () => ({ hello: 'world' }));
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = fastify.server.address() as AddressInfo;
      const answer = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = connect(port, '127.0.0.1', () => socket.end(request));
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      const [head, body] = answer.split('\r\n\r\n');
      return { head: head.split('\r\n'), body: JSON.parse(body) };
    } finally {
      await fastify.close();
    }
  }

  it('answers headers over the limit with 431 problem+json and an X-Request-Id', async () => {
    const { head, body } = await rawAnswer(`GET /hello HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);

    expect(head[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(head).toEqual(expect.arrayContaining(['content-type: application/problem+json; charset=utf-8', expect.stringMatching(/^x-request-id: \S+$/)]));
    expect(body).toEqual(expect.objectContaining({ status: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE', detail: expect.any(String) }));
  });

  it('answers bytes that are not HTTP with 400 BAD_REQUEST problem+json', async () => {
    const { head, body } = await rawAnswer('this is not http\r\n\r\n');

    expect(head[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(body).toEqual(expect.objectContaining({ status: 400, code: 'BAD_REQUEST' }));
  });
});

describe('while the server closes', () => {
  /** A server that has begun to close with the request `/slow` in hand on one kept-alive connection, not yet answered. */
  async function closingWithRequestInHand(method: 'GET' | 'POST') {
    const adapter = createFastifyAdapter(createRootLogger('adapter-spec', 'silent'));
    const fastify = adapter.getInstance();
    let served!: () => void;
    const slowArrived = new Promise<void>((resolve) =>
      fastify.route({ method, url: '/slow', handler: () => new Promise((answer) => ((served = () => answer({ slow: true })), resolve())) }),
    );
    fastify.get('/hello', async () => ({ hello: 'world' }));
    const answering: string[] = [];
    fastify.addHook('onSend', async (request) => void answering.push(request.url));
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    const { port } = fastify.server.address() as AddressInfo;

    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk) => chunks.push(chunk));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`${method} /slow HTTP/1.1\r\nHost: x\r\n${method === 'POST' ? 'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}' : '\r\n'}`);
    await slowArrived;
    const closed = fastify.close();
    // The server stops listening once its close hooks ran; the keep-alive connection, busy, stays open.
    while (fastify.server.listening) await new Promise((resolve) => setImmediate(resolve));
    return { socket, ended, closed, served, answering, received: () => Buffer.concat(chunks).toString('utf8') };
  }

  it('answers a request that arrives 503 problem+json with Connection: close, after the one being served is answered', async () => {
    const { socket, ended, closed, served, answering, received } = await closingWithRequestInHand('GET');
    socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n');
    // Answered (its answer queued behind the first one's) before the first is: the connection is still open for it.
    while (!answering.includes('/hello')) await new Promise((resolve) => setImmediate(resolve));
    served();
    await Promise.all([closed, ended]);

    const answers = received().split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(answers[1]).toMatch(/\r\nconnection: close\r\n/i);
    expect(answers[1]).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(answers[1].split('\r\n\r\n')[1])).toEqual(expect.objectContaining({ status: 503, code: 'SERVICE_UNAVAILABLE' }));
  });

  it('answers the request in hand with Connection: close, so that its client does not write the next one on a connection about to end', async () => {
    const { socket, ended, closed, served, received } = await closingWithRequestInHand('POST');
    served();
    // The server ends the connection once its answer is sent; without Connection: close it would wait for the client.
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((resolve) => (giveUp = setTimeout(resolve, 10_000)))]);
    clearTimeout(giveUp);
    socket.destroy();
    await closed;

    const answer = received();
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toMatch(/\r\n\r\n\{"slow":true\}$/);
  });
});

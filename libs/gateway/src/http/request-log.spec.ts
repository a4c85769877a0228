import { createRootLogger, isProbeRequest, requestLine } from '@tessera/platform';
import { Writable } from 'node:stream';
import { createFastifyAdapter } from './fastify-adapter.factory';

async function linesLoggedFor(
  oneLineRequests: boolean,
  urls: string[],
  level = 'debug',
  childrenMade: { count: number } = { count: 0 },
): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const root = createRootLogger('request-log-spec', level, destination);
  const fastify = createFastifyAdapter(root, { oneLineRequests, trustProxy: false }).getInstance();
  fastify.get('/products', async () => []);
  fastify.get('/users/:id', async () => ({}));
  fastify.get('/health/ready', async () => ({ status: 'ok' }));
  fastify.get('/metrics', async () => '');
  fastify.get('/quiet', { logLevel: 'warn' }, async () => []);
  await fastify.ready();
  // Every pino logger makes its children through the one prototype method.
  const children = jest.spyOn(Object.getPrototypeOf(root) as { child: typeof root.child }, 'child');
  try {
    for (const url of urls) await fastify.inject({ method: 'GET', url, headers: { 'x-request-id': 'req-request-log-1' } });
  } finally {
    childrenMade.count = children.mock.calls.length;
    children.mockRestore();
  }
  await fastify.close();
  return lines.map((line) => JSON.parse(line));
}

describe('the request log', () => {
  it('writes the completed line of a URL the router refuses before any route runs, in both formats', async () => {
    expect(await linesLoggedFor(true, ['/users/%ZZ'])).toEqual([
      expect.objectContaining({ level: 30, correlationId: 'req-request-log-1', msg: expect.stringMatching(/^GET \/users\/%ZZ 400 \d+\.\d ms$/) }),
    ]);
    expect(await linesLoggedFor(false, ['/users/%ZZ'])).toEqual([
      expect.objectContaining({ msg: 'incoming request', req: expect.objectContaining({ url: '/users/%ZZ' }) }),
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        correlationId: 'req-request-log-1',
        res: { statusCode: 400 },
        responseTime: expect.any(Number),
      }),
    ]);
  });

  it('is one line a request for a person: method, URL, status and duration, under the request id', async () => {
    const lines = await linesLoggedFor(true, ['/products?limit=5']);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, correlationId: 'req-request-log-1', msg: expect.stringMatching(/^GET \/products\?limit=5 200 \d+\.\d ms$/) }),
    ]);
  });

  it('keeps Fastify’s two lines and every field of them for machines', async () => {
    const lines = await linesLoggedFor(false, ['/products']);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'incoming request',
        correlationId: 'req-request-log-1',
        req: expect.objectContaining({ method: 'GET', url: '/products' }),
      }),
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        correlationId: 'req-request-log-1',
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
  });

  it('logs probes at debug, in either form', async () => {
    const lines = [...(await linesLoggedFor(true, ['/health/ready', '/metrics'])), ...(await linesLoggedFor(false, ['/health/ready']))];
    expect(lines).toHaveLength(4);
    expect(lines.map(({ level }) => level)).toEqual(lines.map(() => 20));
  });

  it('makes no logger for a request that writes no line, and writes the lines of those that do under their id', async () => {
    const childrenMade = { count: 0 };
    const lines = await linesLoggedFor(false, ['/health/ready', '/metrics', '/products', '/health/ready'], 'info', childrenMade);
    expect(childrenMade.count).toBe(1);
    expect(lines.map(({ msg, correlationId }) => [msg, correlationId])).toEqual([
      ['incoming request', 'req-request-log-1'],
      ['request completed', 'req-request-log-1'],
    ]);
  });

  it("keeps a route's own log level", async () => {
    expect(await linesLoggedFor(false, ['/quiet'], 'info')).toEqual([]);
    expect(await linesLoggedFor(false, ['/products'], 'info')).toHaveLength(2);
  });

  it('names probes by their paths alone', () => {
    expect(['/health/live', '/health/ready?full=1', '/health', '/metrics', '/metrics?x=1'].filter(isProbeRequest)).toHaveLength(5);
    expect(['/healthy', '/products/health', '/metrics-export', '/orders'].filter(isProbeRequest)).toEqual([]);
  });

  it('writes a duration to a tenth of a millisecond', () => {
    expect(requestLine({ method: 'POST', url: '/orders' }, 201, 12.3456)).toBe('POST /orders 201 12.3 ms');
  });
});

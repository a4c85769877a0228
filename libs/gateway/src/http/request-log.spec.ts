import { createRootLogger } from '@tessera/platform';
import { Writable } from 'node:stream';
import { createFastifyAdapter } from './fastify-adapter.factory';
import { isProbeRequest, requestLine } from './request-log';

async function linesLoggedFor(oneLineRequests: boolean, urls: string[]): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const fastify = createFastifyAdapter(createRootLogger('request-log-spec', 'debug', destination), { oneLineRequests, trustProxy: false }).getInstance();
  fastify.get('/products', async () => []);
  fastify.get('/health/ready', async () => ({ status: 'ok' }));
  fastify.get('/metrics', async () => '');
  for (const url of urls) await fastify.inject({ method: 'GET', url, headers: { 'x-request-id': 'req-request-log-1' } });
  await fastify.close();
  return lines.map((line) => JSON.parse(line));
}

describe('the request log', () => {
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

  it('names probes by their paths alone', () => {
    expect(['/health/live', '/health/ready?full=1', '/health', '/metrics', '/metrics?x=1'].filter(isProbeRequest)).toHaveLength(5);
    expect(['/healthy', '/products/health', '/metrics-export', '/orders'].filter(isProbeRequest)).toEqual([]);
  });

  it('writes a duration to a tenth of a millisecond', () => {
    expect(requestLine({ method: 'POST', url: '/orders' }, 201, 12.3456)).toBe('POST /orders 201 12.3 ms');
  });
});

import { captureLogLines } from '../../../../test/harness/log-lines';
import { createRootLogger } from '../logging/logger';
import { createProcessHttpAdapter } from './process-http-adapter';

describe("a context process's HTTP server", () => {
  async function served(urls: { url: string; requestId?: string }[]) {
    const log = captureLogLines();
    const fastify = createProcessHttpAdapter(createRootLogger('process-http-spec', 'info', log.destination)).getInstance();
    fastify.get('/health/live', async () => ({ status: 'ok' }));
    fastify.get('/metrics', async () => '');
    fastify.get('/admin/dead-letters', async () => ({ items: [] }));
    await fastify.ready();
    const answers = [];
    for (const { url, requestId } of urls) answers.push(await fastify.inject({ method: 'GET', url, headers: requestId ? { 'x-request-id': requestId } : {} }));
    await fastify.close();
    return { answers, lines: log.records() };
  }

  it('names every answer by its request, the id the client sent or a new one, as every answer of the shop does', async () => {
    const { answers } = await served([{ url: '/health/live', requestId: 'probe-1' }, { url: '/metrics' }]);

    expect(answers[0].headers['x-request-id']).toBe('probe-1');
    expect(answers[1].headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs probes and scrapes at debug, and any other request at info under its correlationId', async () => {
    const { lines } = await served([
      { url: '/health/live', requestId: 'probe-2' },
      { url: '/metrics', requestId: 'scrape-2' },
      { url: '/admin/dead-letters', requestId: 'operator-2' },
    ]);

    expect(lines.map((line) => line.correlationId)).toEqual(['operator-2', 'operator-2']);
  });
});

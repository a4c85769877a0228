import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { recordSpans, RecordedSpans } from '@tessera/messaging/testing';
import Fastify, { FastifyInstance, FastifyReply } from 'fastify';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { traceHttpRequests, traceUnroutedRequest } from './http-server-spans';

describe('traceHttpRequests', () => {
  let spans: RecordedSpans;
  let fastify: FastifyInstance;
  /** The span the handler of POST /orders/:id ran in, as what it sends and queries would see it. */
  let handlerSpanId: string | undefined;
  let releaseSlow: (() => void) | undefined;

  // Once for the file: the module's tracer stays with the provider registered first.
  beforeAll(() => {
    spans = recordSpans();
  });

  afterAll(() => spans.stop());

  beforeEach(async () => {
    spans.clear();
    fastify = Fastify();
    traceHttpRequests(fastify);
    handlerSpanId = undefined;
    releaseSlow = undefined;
    fastify.post('/orders/:id', async (request) => {
      handlerSpanId = trace.getSpan(context.active())?.spanContext().spanId;
      return { id: (request.params as { id: string }).id, body: request.body };
    });
    fastify.get('/boom', async () => {
      throw new Error('broken');
    });
    fastify.get('/health/live', async () => ({ status: 'ok' }));
    fastify.get('/metrics', async () => '');
    fastify.get('/slow', () => new Promise((resolve) => (releaseSlow = () => resolve({ late: true }))));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(() => fastify.close());

  it('makes a server span named by the route template, a child of the client’s span, in which the handler runs after its body is read', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const clientSpanId = 'b7ad6b7169203331';
    const response = await fastify.inject({
      method: 'POST',
      url: '/orders/42?expand=items',
      headers: { traceparent: `00-${traceId}-${clientSpanId}-01`, 'user-agent': 'spec-agent' },
      payload: { items: [1, 2] },
    });

    expect(response.statusCode).toBe(200);
    const span = spans.named('POST /orders/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(clientSpanId);
    expect(handlerSpanId).toBe(span.spanContext().spanId);
    expect(span.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/orders/:id',
      'url.path': '/orders/42',
      'url.scheme': 'http',
      'http.response.status_code': 200,
      'user_agent.original': 'spec-agent',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a span an error of the server from status 500 on, not for a client’s error', async () => {
    await fastify.inject({ method: 'GET', url: '/boom' });
    await fastify.inject({ method: 'GET', url: '/nowhere' });

    const failed = spans.named('GET /boom');
    expect({ status: failed.status.code, code: failed.attributes['http.response.status_code'], type: failed.attributes['error.type'] }).toEqual({
      status: SpanStatusCode.ERROR,
      code: 500,
      type: '500',
    });
    // No route matched: the name is the method alone, never the raw path.
    const unmatched = spans.named('GET');
    expect({ status: unmatched.status.code, code: unmatched.attributes['http.response.status_code'], route: unmatched.attributes['http.route'] }).toEqual({
      status: SpanStatusCode.UNSET,
      code: 404,
      route: undefined,
    });
  });

  it('makes the span of a URL the router refuses before any hook runs, a child of the client’s span', async () => {
    const refusing = Fastify({
      frameworkErrors: (_error, request, reply: FastifyReply) => {
        traceUnroutedRequest(request, reply);
        void reply.code(400).send({ refused: true });
      },
    });
    refusing.get('/users/:id', async () => ({}));
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    try {
      await refusing.inject({ method: 'GET', url: '/users/%ZZ', headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    } finally {
      await refusing.close();
    }
    const span = spans.named('GET');
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.path': '/users/%ZZ', 'http.response.status_code': 400 });
    expect(span.attributes['http.route']).toBeUndefined();
  });

  it('leaves probes and scrapes untraced', async () => {
    await fastify.inject({ method: 'GET', url: '/health/live' });
    await fastify.inject({ method: 'GET', url: '/metrics' });

    expect(spans.all()).toEqual([]);
  });

  it('ends the span of a request whose client went away before the answer', async () => {
    const { port } = fastify.server.address() as AddressInfo;
    const client = httpRequest({ host: '127.0.0.1', port, path: '/slow' });
    client.on('error', () => undefined);
    client.end();
    await untilTrue(() => releaseSlow !== undefined);
    client.destroy();

    await untilTrue(() => spans.all().length > 0);
    releaseSlow?.();
    const span = spans.named('GET /slow');
    expect({ type: span.attributes['error.type'], code: span.attributes['http.response.status_code'] }).toEqual({ type: 'aborted', code: undefined });
  });
});

/** Resolves once `condition` holds, asked every few milliseconds. */
async function untilTrue(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

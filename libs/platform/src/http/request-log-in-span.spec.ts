import { recordSpans, RecordedSpans } from '@tessera/messaging/testing';
import Fastify, { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { captureLogLines, CapturedLogLines } from '../../../../test/harness/log-lines';
import { createRootLogger } from '../logging/logger';
import { traceHttpRequests } from '../tracing/http-server-spans';
import { RequestLogController } from './request-log';

describe('the request log of a process that traces', () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  let spans: RecordedSpans;
  let log: CapturedLogLines;
  let fastify: FastifyInstance;

  beforeAll(() => {
    spans = recordSpans();
  });

  afterAll(() => spans.stop());

  beforeEach(async () => {
    log = captureLogLines();
    const logController = new RequestLogController({ oneLine: false });
    const logger: FastifyBaseLogger = createRootLogger('request-log-in-span-spec', 'info', log.destination);
    fastify = Fastify({ loggerInstance: logger, logController });
    traceHttpRequests(fastify);
    logController.writeIncomingInHook(fastify);
    fastify.get('/products', async () => []);
    await fastify.ready();
  });

  afterEach(() => fastify.close());

  it('writes a request’s incoming line in its span, with the trace_id its completed line carries', async () => {
    await fastify.inject({ method: 'GET', url: '/products', headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });

    const spanId = spans.named('GET /products').spanContext().spanId;
    expect(log.records()).toEqual([
      expect.objectContaining({ msg: 'incoming request', trace_id: traceId, span_id: spanId, req: expect.objectContaining({ url: '/products' }) }),
      expect.objectContaining({ msg: 'request completed', trace_id: traceId, span_id: spanId }),
    ]);
  });

  it('writes it once, for a request no route serves too', async () => {
    await fastify.inject({ method: 'GET', url: '/nothing-here' });

    expect(log.records().filter((line) => line.msg === 'incoming request')).toEqual([
      expect.objectContaining({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), req: expect.objectContaining({ url: '/nothing-here' }) }),
    ]);
  });
});

import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyBaseLogger } from 'fastify';
import { logFormatOf } from '../logging/logger';
import { correlateRequests, requestIdOf } from './request-id';
import { RequestLogController, RequestLogger } from './request-log';
import { refuseSlowRequests } from './slow-requests';

/**
 * The HTTP server of a process that serves no API, only its health, metrics
 * and dead-letter routes (a context's own process): its answers name their
 * request in X-Request-Id as every answer of the shop does, and its lines
 * carry it as correlationId; the probes and scrapes it is asked all day are
 * logged at debug, as the gateway's are; a request too slow to arrive is
 * refused as the gateway refuses it.
 */
export function createProcessHttpAdapter(logger: FastifyBaseLogger): FastifyAdapter {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    genReqId: requestIdOf,
    logController: new RequestLogController({ oneLine: logFormatOf(logger) === 'pretty' }),
    childLoggerFactory: RequestLogger.factory,
  });
  correlateRequests(adapter.getInstance());
  refuseSlowRequests(adapter.getInstance().server);
  return adapter;
}

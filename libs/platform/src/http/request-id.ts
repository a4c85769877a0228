import { isCorrelationId, newCorrelationId, runWithCorrelation } from '@tessera/messaging';
import { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** The header a client may name its request by, and in which every answer names it. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * The id of an incoming request, which becomes its correlation id: the
 * client's X-Request-Id when it is a usable one (isCorrelationId), a fresh
 * UUID otherwise. Fastify's own request id, so its request log lines carry it.
 */
export function requestIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const claimed = request.headers[REQUEST_ID_HEADER];
  return isCorrelationId(claimed) ? claimed : newCorrelationId();
}

/**
 * Handles every request on behalf of its id: what the request logs, sends to
 * the contexts and causes them to publish carries it, and the answer, an error
 * too, names it in X-Request-Id. Registered first, so the hooks, guards and
 * handlers that follow all run in its scope.
 */
export function correlateRequests(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    runWithCorrelation(request.id, done);
  });
}

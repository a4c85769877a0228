import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { FastifyInstance } from 'fastify';
import { isTracing } from './start-tracing';

/**
 * Names each request's span by its route template (`GET /orders/:id`), and
 * sets its `http.route`, as the http instrumentation does once a framework
 * tells it the route. Fastify's own instrumentation would, but it also makes
 * a span of every hook and handler of every request, and its package is
 * deprecated in favour of @fastify/otel, which Nest's adapter does not
 * register (ADR 0010). A process that does not trace gets no hook.
 */
export function nameHttpSpansByRoute(fastify: FastifyInstance): void {
  if (!isTracing()) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    const metadata = getRPCMetadata(context.active());
    if (metadata?.type === RPCType.HTTP && request.routeOptions.url) metadata.route = request.routeOptions.url;
    done();
  });
}

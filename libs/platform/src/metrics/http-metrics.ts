import type { FastifyInstance } from 'fastify';
import { DurationHistogram } from '@tessera/messaging';

/** The route label of a request that matched no route: raw paths would make a series per URL anyone cares to try. */
const UNMATCHED_ROUTE = 'unmatched';

const httpServerRequestDuration = new DurationHistogram(
  'http_server_request_duration_seconds',
  'HTTP requests served, by method, route template and status code',
  ['method', 'route', 'status_code'],
);

/** Measures every request `fastify` answers, labelled with its route template (`/orders/:id`), never the raw path. */
export function measureHttpRequests(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    observeHttpRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

/**
 * Counts one answered request; `route` is its template, undefined for one that matched no route. Called by the
 * hook above, and by hand for an answer Fastify gives before any hook runs (a URL its router cannot decode).
 */
export function observeHttpRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
  httpServerRequestDuration.observe({ method, route: route ?? UNMATCHED_ROUTE, status_code: String(statusCode) }, seconds);
}

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
    httpServerRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

import type { FastifyRequest } from 'fastify';

// Health and metrics are served by every process, whatever its decorators, so their routes are recognised by their
// path: probes and scrapes need no token and no rate limit (the gateway's guards), and make no trace.
const OPERATIONS_ROUTE_PREFIX = '/health/';
const METRICS_ROUTE = '/metrics';

/** Whether the request matched one of the process's health routes (by route pattern, not raw URL). */
export function isOperationsRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions?.url;
  return route === METRICS_ROUTE || (route?.startsWith(OPERATIONS_ROUTE_PREFIX) ?? false);
}

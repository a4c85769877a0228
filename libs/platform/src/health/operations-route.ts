import type { FastifyRequest } from 'fastify';

// Health and metrics are served by every process, whatever its decorators, so their routes are recognised by their
// path: probes and scrapes need no token and no rate limit (the gateway's guards), and make no trace.
const OPERATIONS_ROUTE_PREFIX = '/health/';
const METRICS_ROUTE = '/metrics';

/** Whether the request matched one of the process's health routes (by route pattern, not raw URL). */
export function isOperationsRoute(request: FastifyRequest): boolean {
  return isOperationsPath(request.routeOptions?.url);
}

/** Whether a route pattern (`/health/live`, as Fastify or an OpenAPI document names it) is a health or metrics route. */
export function isOperationsPath(route: string | undefined): boolean {
  return route === METRICS_ROUTE || (route?.startsWith(OPERATIONS_ROUTE_PREFIX) ?? false);
}

import type { FastifyRequest } from 'fastify';

// Health lives in @tessera/platform, which cannot know the gateway's decorators,
// so its routes are recognised by their path: probes need no token and no rate limit.
const OPERATIONS_ROUTE_PREFIX = '/health/';

/** Whether the request matched one of the process's health routes (by route pattern, not raw URL). */
export function isOperationsRoute(request: FastifyRequest): boolean {
  return request.routeOptions?.url?.startsWith(OPERATIONS_ROUTE_PREFIX) ?? false;
}

import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp } from '@nestjs/throttler';
import type { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { RuntimeSettings } from '@tessera/platform';

export const DEFAULT_THROTTLER = 'default';
export const LOGIN_THROTTLER = 'login';
const LOGIN_RATE_LIMITED = 'tessera:login-rate-limited';
const ONE_MINUTE_MS = 60_000;

/** Puts a route under the stricter LOGIN_RATE_LIMIT_PER_MINUTE budget as well as the general one. */
export const LoginRateLimit = (): MethodDecorator => SetMetadata(LOGIN_RATE_LIMITED, true);

const reflector = new Reflector();

/**
 * Two budgets per client IP, each counted over a minute: RATE_LIMIT_PER_MINUTE
 * across every route (one budget per client, not one per route), and
 * LOGIN_RATE_LIMIT_PER_MINUTE on the routes marked @LoginRateLimit(). The
 * client IP is the socket's peer, or, behind the proxies TRUST_PROXY names,
 * the address they forwarded (Fastify's request.ip). The limits are runtime
 * settings, read at each request, so a change of CONFIG_FILE holds from the next one.
 */
export function throttlingOptions(settings: RuntimeSettings, storage?: ThrottlerStorage): ThrottlerModuleOptions {
  return {
    storage,
    throttlers: [
      { name: DEFAULT_THROTTLER, ttl: ONE_MINUTE_MS, limit: () => settings.get('RATE_LIMIT_PER_MINUTE') },
      {
        name: LOGIN_THROTTLER,
        ttl: ONE_MINUTE_MS,
        limit: () => settings.get('LOGIN_RATE_LIMIT_PER_MINUTE'),
        skipIf: (context: ExecutionContext) => reflector.get<boolean | undefined>(LOGIN_RATE_LIMITED, context.getHandler()) !== true,
        // Its X-RateLimit-*-login headers would only add noise; Retry-After is set for both budgets by the guard.
        setHeaders: false,
      },
    ],
    // The library's default tracker, the client's address normalised, without its promise: the guard decides at once.
    getTracker: (request) => normalizeIp((request as FastifyRequest).ip),
    generateKey: (_context, tracker, throttlerName) => `${throttlerName}:${tracker}`,
  };
}

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { isOperationsRoute } from '@tessera/platform';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MemoizedReflector } from '../common/memoized-reflector';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ProblemException } from '../problems/problem.exception';

/**
 * @nestjs/throttler's guard, counting a request against its budgets and
 * answering 429 RATE_LIMITED as problem+json with a plain `Retry-After` in
 * seconds whichever budget ran out.
 */
@Injectable()
export class RateLimiter extends ThrottlerGuard {
  constructor(@InjectThrottlerOptions() options: ThrottlerModuleOptions, @InjectThrottlerStorage() storage: ThrottlerStorage, reflector: MemoizedReflector) {
    super(options, storage, reflector);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfterSeconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(retryAfterSeconds));
    throw new ProblemException(GATEWAY_ERROR_CODES.RATE_LIMITED, `Too many requests; retry after ${retryAfterSeconds} seconds.`);
  }
}

/**
 * The global rate-limit guard. Message handlers and health probes are not
 * throttled, and are let through without a promise: @nestjs/throttler's
 * guard is async from its first line (its shouldSkip included), and the two
 * promises it costs a probe were a measurable part of GET /health/live
 * (docs/performance.md).
 */
@Injectable()
export class GatewayThrottlerGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http' || isOperationsRoute(context.switchToHttp().getRequest<FastifyRequest>())) return true;
    return this.limiter.canActivate(context);
  }
}

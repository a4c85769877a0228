import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isOperationsRoute } from '../common/operations-route';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ProblemException } from '../problems/problem.exception';

/**
 * The throttler, answering 429 RATE_LIMITED as problem+json with a plain
 * `Retry-After` in seconds whichever budget ran out. Message handlers and
 * health probes are not throttled.
 */
@Injectable()
export class GatewayThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || isOperationsRoute(context.switchToHttp().getRequest<FastifyRequest>());
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfterSeconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(retryAfterSeconds));
    throw new ProblemException(GATEWAY_ERROR_CODES.RATE_LIMITED, `Too many requests; retry after ${retryAfterSeconds} seconds.`);
  }
}

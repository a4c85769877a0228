import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { isOperationsRoute } from '@tessera/platform';
import type { FastifyReply } from 'fastify';
import { MemoizedReflector } from '../common/memoized-reflector';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ProblemException } from '../problems/problem.exception';
import { AccessTokenService } from './access-token.service';
import { IS_PUBLIC } from './auth.decorators';
import type { AuthenticatedRequest } from './authenticated-user';
import { UserStatusCache } from './user-status.cache';

// The scheme is case-insensitive (RFC 9110); the credentials must have a JWT's three base64url parts.
const BEARER_SCHEME = /^Bearer +(.*)$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Every HTTP route needs a valid bearer token unless it is @Public(): signed
 * by us with HS256, unexpired, for this API, and belonging to a user who is
 * still active (from the UserStatusCache, so revocation is immediate).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: MemoizedReflector,
    private readonly tokens: AccessTokenService,
    private readonly statuses: UserStatusCache,
  ) {}

  /** Answers at once where no token is needed: Nest awaits any promise a guard returns, and probes come every few seconds. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Global guards also run for the message handlers of a hybrid app; those are not HTTP and carry no token.
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.isPublic(context) || isOperationsRoute(request)) return true;
    return this.authenticate(request, context.switchToHttp().getResponse<FastifyReply>());
  }

  private async authenticate(request: AuthenticatedRequest, reply: FastifyReply): Promise<boolean> {
    const token = BEARER_SCHEME.exec(request.headers.authorization ?? '')?.[1]?.trim();
    if (!token) {
      void reply.header('WWW-Authenticate', 'Bearer');
      throw new ProblemException(GATEWAY_ERROR_CODES.UNAUTHORIZED, 'A bearer access token is required.');
    }
    try {
      if (!JWT_SHAPE.test(token)) throw new ProblemException(GATEWAY_ERROR_CODES.UNAUTHORIZED, 'The access token is not valid.');
      const claims = await this.tokens.verify(token);
      const access = await this.statuses.get(claims.sub);
      if (!access || access.status !== 'active') {
        throw new ProblemException(GATEWAY_ERROR_CODES.UNAUTHORIZED, 'The access token has been revoked.');
      }
      request.user = { id: claims.sub, role: access.role };
      return true;
    } catch (error) {
      if (error instanceof ProblemException) void reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw error;
    }
  }

  private isPublic(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
  }
}

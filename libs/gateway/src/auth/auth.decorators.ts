import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { UserRole } from '@tessera/contracts';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ApiProblems } from '../problems/api-problems.decorator';
import type { AuthenticatedRequest, AuthenticatedUser } from './authenticated-user';

export const IS_PUBLIC = 'tessera:public';
export const REQUIRED_ROLES = 'tessera:roles';
export const BEARER_AUTH = 'bearer';

/** Opts a route (or controller) out of the global bearer-token guard. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Limits a route to the given roles (403 FORBIDDEN for any other signed-in user); documents it in OpenAPI. */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(REQUIRED_ROLES, roles), ApiProblems({ 403: [`${GATEWAY_ERROR_CODES.FORBIDDEN}: needs the ${roles.join(' or ')} role`] }));

/** Documents that a route needs a bearer token (the guard enforces it on every route not @Public()). */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiBearerAuth(BEARER_AUTH),
    ApiProblems({ 401: [`${GATEWAY_ERROR_CODES.UNAUTHORIZED}: missing, malformed, expired or revoked access token`] }),
  );

/** The signed-in user of the request, as the bearer-token guard found it. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('@CurrentUser() used on a route that the bearer-token guard does not cover');
  return user;
});

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { UserRole } from '@tessera/contracts';
import { MemoizedReflector } from '../common/memoized-reflector';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ProblemException } from '../problems/problem.exception';
import { REQUIRED_ROLES } from './auth.decorators';
import type { AuthenticatedRequest } from './authenticated-user';

/** Enforces @Roles(): runs after JwtAuthGuard, so the user is known; a signed-in user without the role gets 403. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: MemoizedReflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const required = this.reflector.getAllAndOverride<UserRole[] | undefined>(REQUIRED_ROLES, [context.getHandler(), context.getClass()]);
    if (!required || required.length === 0) return true;
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    // @Roles() on a @Public() route is a mistake; it must fail closed.
    if (!user) throw new ProblemException(GATEWAY_ERROR_CODES.UNAUTHORIZED, 'A bearer access token is required.');
    if (!required.includes(user.role)) {
      throw new ProblemException(GATEWAY_ERROR_CODES.FORBIDDEN, `This action needs the ${required.join(' or ')} role.`);
    }
    return true;
  }
}

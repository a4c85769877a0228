import { ExecutionContext } from '@nestjs/common';
import type { UserRole } from '@tessera/contracts';
import { ProblemException } from '../problems/problem.exception';
import { Roles } from './auth.decorators';
import { RolesGuard } from './roles.guard';
import { MemoizedReflector } from '../common/memoized-reflector';

class Routes {
  anyone(): void {}
  @Roles('admin')
  adminOnly(): void {}
}

@Roles('admin')
class AdminRoutes {
  anything(): void {}
}

function context(handler: () => void, controller: object, role?: UserRole): ExecutionContext {
  const request = { user: role ? { id: 'a0000000-0000-4000-8000-000000000001', role } : undefined };
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function thrown(run: () => unknown): ProblemException {
  try {
    run();
  } catch (error) {
    return error as ProblemException;
  }
  throw new Error('expected the guard to refuse');
}

describe('RolesGuard', () => {
  const guard = new RolesGuard(new MemoizedReflector());

  it('lets an admin into an admin route', () => {
    expect(guard.canActivate(context(Routes.prototype.adminOnly, Routes, 'admin'))).toBe(true);
  });

  it('answers a signed-in customer on an admin route with 403 FORBIDDEN', () => {
    const error = thrown(() => guard.canActivate(context(Routes.prototype.adminOnly, Routes, 'customer')));
    expect(error).toBeInstanceOf(ProblemException);
    expect(error.getStatus()).toBe(403);
    expect(error.code).toBe('FORBIDDEN');
  });

  it('applies @Roles() on a controller to all its routes', () => {
    expect(thrown(() => guard.canActivate(context(AdminRoutes.prototype.anything, AdminRoutes, 'customer'))).getStatus()).toBe(403);
  });

  it('leaves routes without @Roles() to everyone who got past authentication', () => {
    expect(guard.canActivate(context(Routes.prototype.anyone, Routes, 'customer'))).toBe(true);
  });

  it('fails closed with 401 when a role is required but nobody signed in', () => {
    expect(thrown(() => guard.canActivate(context(Routes.prototype.adminOnly, Routes))).getStatus()).toBe(401);
  });
});

import { Body, Param } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ProblemException } from '../problems/problem.exception';
import { BodylessRouteGuard } from './bodyless-route.guard';

class SomeHttpController {
  cancel(@Param('id') _id: string): void {}

  update(@Param('id') _id: string, @Body() _body: object): void {}
}

function contextOf(handler: keyof SomeHttpController, body: unknown, type = 'http'): ExecutionContext {
  return {
    getType: () => type,
    getClass: () => SomeHttpController,
    getHandler: () => SomeHttpController.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ body }) }),
  } as unknown as ExecutionContext;
}

describe('BodylessRouteGuard', () => {
  const guard = new BodylessRouteGuard();

  it('lets no body, and an empty object, through to a route that takes none', () => {
    expect(guard.canActivate(contextOf('cancel', undefined))).toBe(true);
    expect(guard.canActivate(contextOf('cancel', {}))).toBe(true);
  });

  it('leaves the body of a route that takes one to its pipes', () => {
    expect(guard.canActivate(contextOf('update', { anything: 1 }))).toBe(true);
    expect(guard.canActivate(contextOf('update', null))).toBe(true);
  });

  it('leaves messages alone', () => {
    expect(guard.canActivate(contextOf('cancel', { reason: 'x' }, 'rpc'))).toBe(true);
  });

  it('refuses every field of a body on a route that takes none, named as unknown fields are elsewhere', () => {
    let refusal: unknown;
    try {
      guard.canActivate(contextOf('cancel', { reason: 'x', 'a.b': 1 }));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ProblemException);
    expect(refusal).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'reason is not an accepted field; a.b is not an accepted field',
      errors: [
        { field: 'reason', message: 'reason is not an accepted field' },
        { field: 'a.b', message: 'a.b is not an accepted field' },
      ],
    });
  });

  it.each([null, 0, 'text', [], [{}], false])('refuses %p as a body on a route that takes none', (body) => {
    expect(() => guard.canActivate(contextOf('cancel', body))).toThrow(/^body is not accepted: this route takes none/);
  });
});

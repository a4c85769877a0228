import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ERROR_CODES } from '@tessera/contracts';
import type { FastifyRequest } from 'fastify';
import type { FieldProblem } from '@tessera/platform';
import { ProblemException } from '../problems/problem.exception';

/**
 * Refuses, with 400 VALIDATION_FAILED, a body sent to a route that takes
 * none (POST /orders/:id/cancel, DELETE /admin/dead-letters/:id): each
 * field is named as on any other route, where the ValidationPipe refuses
 * fields the DTO does not list. No body and `{}` are let through.
 *
 * A guard, because pipes run only for a handler's parameters and these
 * handlers have no body parameter; registered after the authentication and
 * role guards, so that a caller learns of a missing token or role first, as
 * on the routes whose body a pipe checks.
 */
@Injectable()
export class BodylessRouteGuard implements CanActivate {
  // Decorators run once, when the classes load: whether a handler takes a body never changes.
  private readonly takesBody = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const body = context.switchToHttp().getRequest<FastifyRequest>().body;
    if (body === undefined || this.handlerTakesBody(context)) return true;
    const problems = unexpectedBodyProblems(body);
    if (problems.length === 0) return true;
    throw new ProblemException(ERROR_CODES.VALIDATION_FAILED, problems.map((problem) => problem.message).join('; '), { errors: problems });
  }

  private handlerTakesBody(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let takes = this.takesBody.get(handler);
    if (takes === undefined) {
      const parameters: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
      takes = Object.keys(parameters).some((key) => BODY_PARAMETER_TYPES.has(Number(key.split(':')[0])));
      this.takesBody.set(handler, takes);
    }
    return takes;
  }
}

const BODY_PARAMETER_TYPES: ReadonlySet<number> = new Set([RouteParamtypes.BODY, RouteParamtypes.RAW_BODY]);

/** What is wrong with `body` on a route that takes none; nothing for an empty object. */
export function unexpectedBodyProblems(body: unknown): FieldProblem[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const message = 'body is not accepted: this route takes none (send no body, or {})';
    return [{ field: 'body', message }];
  }
  return Object.keys(body).map((field) => ({ field, message: `${field} is not an accepted field` }));
}

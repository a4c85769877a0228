import { applyDecorators, createParamDecorator, ExecutionContext, Injectable, PipeTransform } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ERROR_CODES, MAX_IDEMPOTENCY_KEY_LENGTH } from '@tessera/contracts';
import type { FastifyRequest } from 'fastify';
import { ApiProblems } from '../problems/api-problems.decorator';
import { ProblemException } from '../problems/problem.exception';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Lets an absent header through as undefined; a present one must be 1..255 characters, or the request is 400 VALIDATION_FAILED. */
@Injectable()
export class IdempotencyKeyPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    // Node joins a repeated header into one string; an array would come from a header Node keeps apart, never this one.
    if (typeof value === 'string' && value.length >= 1 && value.length <= MAX_IDEMPOTENCY_KEY_LENGTH) return value;
    const message = `${IDEMPOTENCY_KEY_HEADER} must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
    throw new ProblemException(ERROR_CODES.VALIDATION_FAILED, message, { errors: [{ field: IDEMPOTENCY_KEY_HEADER, message }] });
  }
}

const IdempotencyKeyHeader = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown => context.switchToHttp().getRequest<FastifyRequest>().headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()],
);

/** The request's Idempotency-Key header, checked by IdempotencyKeyPipe; undefined when the client sent none. */
export const IdempotencyKey = (): ParameterDecorator => IdempotencyKeyHeader(undefined, IdempotencyKeyPipe);

/** Documents a route's optional Idempotency-Key header and the answers it adds. */
export const ApiIdempotencyKey = (): MethodDecorator =>
  applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
      description:
        'Makes a retry safe: the same key from the same user with the same body answers the first result again ' +
        '(same id, same status) and does the work once. Keys are kept at least 24 hours.',
    }),
    ApiProblems({
      400: [`VALIDATION_FAILED: ${IDEMPOTENCY_KEY_HEADER} is empty or longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`],
      409: [
        'IDEMPOTENCY_KEY_IN_USE: the first request with this key is still being resolved (running, or cut off and being recovered); ' +
          'ask again after Retry-After seconds (also retryAfterSeconds in the body): it then answers what the first request did',
      ],
      422: ['IDEMPOTENCY_KEY_REUSED: this key was used with a different body'],
    }),
  );

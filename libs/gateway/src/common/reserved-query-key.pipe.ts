import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ERROR_CODES } from '@tessera/contracts';
import { ProblemException } from '../problems/problem.exception';

/** The keys class-transformer skips when it builds a DTO, against prototype pollution. */
const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor'];

/**
 * Refuses `?__proto__=` and `?constructor=` on a route whose query is a DTO,
 * with the 400 VALIDATION_FAILED any other unknown parameter gets. The
 * ValidationPipe never sees them: class-transformer leaves them out of the
 * DTO it checks, so they would be dropped in silence where `?foo=` is not.
 */
@Injectable()
export class ReservedQueryKeyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'query' || metadata.data !== undefined || typeof value !== 'object' || value === null) return value;
    const reserved = RESERVED_KEYS.filter((key) => Object.prototype.hasOwnProperty.call(value, key));
    if (reserved.length === 0) return value;
    const errors = reserved.map((field) => ({ field, message: `${field} is not an accepted field` }));
    throw new ProblemException(ERROR_CODES.VALIDATION_FAILED, errors.map((error) => error.message).join('; '), { errors });
  }
}

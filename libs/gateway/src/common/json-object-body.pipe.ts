import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ERROR_CODES } from '@tessera/contracts';
import { ProblemException } from '../problems/problem.exception';

// What a body parameter is typed as when it has no DTO class of its own (`any`, an interface, a primitive).
const NOT_A_DTO: readonly unknown[] = [Object, Array, String, Number, Boolean];

/**
 * Refuses, with 400 VALIDATION_FAILED, a body that is not a JSON object on a
 * route that takes a DTO: JSON null, a number, a string, a boolean, an array,
 * or no body at all. The ValidationPipe would read null or no body as `{}`,
 * which on a PATCH of optional fields changes nothing and answers 200.
 */
@Injectable()
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const takesDto =
      metadata.type === 'body' && metadata.data === undefined && typeof metadata.metatype === 'function' && !NOT_A_DTO.includes(metadata.metatype);
    if (!takesDto || isJsonObject(value)) return value;
    const message = value === undefined ? 'body is required: a JSON object' : `body must be a JSON object, not ${jsonKindOf(value)}`;
    throw new ProblemException(ERROR_CODES.VALIDATION_FAILED, message, { errors: [{ field: 'body', message }] });
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonKindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

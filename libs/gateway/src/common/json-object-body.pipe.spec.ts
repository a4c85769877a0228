import type { ArgumentMetadata } from '@nestjs/common';
import { ProblemException } from '../problems/problem.exception';
import { JsonObjectBodyPipe } from './json-object-body.pipe';

class SomeDto {
  name?: string;
}

describe('JsonObjectBodyPipe', () => {
  const pipe = new JsonObjectBodyPipe();
  const dtoBody: ArgumentMetadata = { type: 'body', metatype: SomeDto };

  function refusal(value: unknown): ProblemException {
    try {
      pipe.transform(value, dtoBody);
    } catch (error) {
      return error as ProblemException;
    }
    throw new Error(`${JSON.stringify(value)} was let through`);
  }

  it('lets a JSON object through as it is', () => {
    const body = { name: 'Ada' };
    expect(pipe.transform(body, dtoBody)).toBe(body);
    expect(pipe.transform({}, dtoBody)).toEqual({});
  });

  it.each([
    ['null', null, 'body must be a JSON object, not null'],
    ['a number', 42, 'body must be a JSON object, not a number'],
    ['a string', 'Ada', 'body must be a JSON object, not a string'],
    ['a boolean', true, 'body must be a JSON object, not a boolean'],
    ['an array', [{ name: 'Ada' }], 'body must be a JSON object, not an array'],
    ['no body at all', undefined, 'body is required: a JSON object'],
  ])('refuses %s with 400 VALIDATION_FAILED naming the body', (_name, value, message) => {
    const error = refusal(value);
    expect(error).toBeInstanceOf(ProblemException);
    expect(error.getStatus()).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe(message);
    expect(error.errors).toEqual([{ field: 'body', message }]);
  });

  it.each([
    ['a query', { type: 'query', metatype: SomeDto } as ArgumentMetadata],
    ['a path parameter', { type: 'param', metatype: String, data: 'id' } as ArgumentMetadata],
    ['a body without a DTO class', { type: 'body', metatype: Object } as ArgumentMetadata],
    ['one field of the body', { type: 'body', metatype: String, data: 'name' } as ArgumentMetadata],
    ['a custom parameter', { type: 'custom', metatype: SomeDto } as ArgumentMetadata],
  ])('leaves %s alone', (_name, metadata) => {
    expect(pipe.transform(null, metadata)).toBeNull();
    expect(pipe.transform([1], metadata)).toEqual([1]);
  });
});

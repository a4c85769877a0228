import type { ArgumentMetadata } from '@nestjs/common';
import { ReservedQueryKeyPipe } from './reserved-query-key.pipe';

class SomeQueryDto {
  q?: string;
}

describe('ReservedQueryKeyPipe', () => {
  const pipe = new ReservedQueryKeyPipe();
  const wholeQuery: ArgumentMetadata = { type: 'query', metatype: SomeQueryDto };
  // As Fastify parses a query string: an object without a prototype, so __proto__ is a key like any other.
  const query = (entries: Record<string, string>) => Object.assign(Object.create(null), Object.fromEntries(Object.entries(entries)));

  it('lets a query without __proto__ or constructor through as it is', () => {
    const value = query({ q: 'cup', foo: 'bar' });
    expect(pipe.transform(value, wholeQuery)).toBe(value);
  });

  it('refuses __proto__ and constructor, naming each, which class-transformer would drop in silence', () => {
    const value = JSON.parse('{"__proto__":"x","constructor":"y","q":"cup"}');
    expect(() => pipe.transform(value, wholeQuery)).toThrow('__proto__ is not an accepted field; constructor is not an accepted field');
    let refusal: unknown;
    try {
      pipe.transform(query({ constructor: 'x' }), wholeQuery);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'constructor', message: 'constructor is not an accepted field' }] });
  });

  it('leaves bodies, single query parameters and route parameters alone', () => {
    const value = JSON.parse('{"__proto__":"x"}');
    expect(pipe.transform(value, { type: 'body', metatype: SomeQueryDto })).toBe(value);
    expect(pipe.transform('x', { type: 'query', data: 'constructor' })).toBe('x');
    expect(pipe.transform('x', { type: 'param', data: 'id' })).toBe('x');
  });
});

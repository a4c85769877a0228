import { ProblemException } from '../problems/problem.exception';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '@tessera/contracts';
import { IdempotencyKeyPipe } from './idempotency-key';

describe('IdempotencyKeyPipe', () => {
  const pipe = new IdempotencyKeyPipe();

  it('lets a request without the header through, with no key', () => {
    expect(pipe.transform(undefined)).toBeUndefined();
  });

  it.each([
    ['one character', 'k'],
    ['a UUID', '6f1c2a7e-2b9f-4a51-9c1e-0d7f3b2a8c44'],
    [`${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH)],
  ])('takes a key of %s as it is', (_name, key) => {
    expect(pipe.transform(key)).toBe(key);
  });

  it.each([
    ['an empty key', ''],
    [`a key of ${MAX_IDEMPOTENCY_KEY_LENGTH + 1} characters`, 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)],
    ['a header sent as a list', ['a', 'b']],
  ])('refuses %s with 400 VALIDATION_FAILED naming the header', (_name, key) => {
    let thrown: unknown;
    try {
      pipe.transform(key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemException);
    const problem = thrown as ProblemException;
    expect(problem.getStatus()).toBe(400);
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors).toEqual([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 255 characters' }]);
  });
});

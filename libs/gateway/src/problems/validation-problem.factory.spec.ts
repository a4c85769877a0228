import { ValidationError } from 'class-validator';
import { MAX_LISTED_FIELD_PROBLEMS, validationProblem } from './validation-problem.factory';

/** class-validator's error for an unknown member, as the ValidationPipe reports it with forbidNonWhitelisted. */
function unknownMember(property: string): ValidationError {
  return Object.assign(new ValidationError(), {
    property,
    value: 1,
    constraints: { whitelistValidation: `property ${property} should not exist` },
    children: [],
  });
}

function answerTo(errors: ValidationError[]): { detail: string; errors: unknown[] | undefined } {
  const problem = validationProblem(errors);
  return { detail: problem.message, errors: problem.errors };
}

describe('validationProblem', () => {
  it('lists every problem of a body with a few', () => {
    const answer = answerTo([unknownMember('role'), unknownMember('stock')]);
    expect(answer.errors).toEqual([
      { field: 'role', message: 'role is not an accepted field' },
      { field: 'stock', message: 'stock is not an accepted field' },
    ]);
    expect(answer.detail).toBe('role is not an accepted field; stock is not an accepted field');
  });

  it(`lists the first ${MAX_LISTED_FIELD_PROBLEMS} problems of a body with many, and says how many it left out`, () => {
    const answer = answerTo(Array.from({ length: 900 }, (_, index) => unknownMember(`k${index}`)));
    expect(answer.errors).toHaveLength(MAX_LISTED_FIELD_PROBLEMS);
    expect(answer.errors?.[0]).toEqual({ field: 'k0', message: 'k0 is not an accepted field' });
    expect(answer.detail).toMatch(/^k0 is not an accepted field; .*; and 880 more problems not listed$/);
    expect(answer.detail).not.toMatch(/k20 /);
  });

  it('says one more problem in the singular', () => {
    const answer = answerTo(Array.from({ length: MAX_LISTED_FIELD_PROBLEMS + 1 }, (_, index) => unknownMember(`k${index}`)));
    expect(answer.detail).toMatch(/; and 1 more problem not listed$/);
  });
});

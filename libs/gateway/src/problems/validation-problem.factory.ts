import { ValidationError } from 'class-validator';
import { ERROR_CODES } from '@tessera/contracts';
import type { FieldProblem } from './problem-details';
import { ProblemException } from './problem.exception';

/** The ValidationPipe's exceptionFactory: the problems of every invalid field, as VALIDATION_FAILED. */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const problems = fieldProblems(errors);
  const detail = problems.length > 0 ? problems.map((p) => p.message).join('; ') : 'The request is not valid.';
  return new ProblemException(ERROR_CODES.VALIDATION_FAILED, detail, { errors: problems });
}

/**
 * Flattens class-validator's tree; nested fields get dotted paths
 * (`price.amount`, `items.0.quantity`). A missing field gets one "is
 * required" rather than every rule it fails; otherwise each failed rule is
 * listed in the order the DTO declares them (type first).
 */
export function fieldProblems(errors: ValidationError[], parent?: string): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property || 'body';
    const rules = Object.entries(error.constraints ?? {});
    let own: FieldProblem[];
    if (rules.some(([rule]) => rule === 'whitelistValidation')) own = [{ field, message: `${field} is not an accepted field` }];
    else if (rules.length > 0 && 'value' in error && error.value === undefined) own = [{ field, message: `${field} is required` }];
    // class-validator runs (and reports) a property's rules bottom-up; the DTO reads top-down.
    else own = rules.reverse().map(([, message]) => ({ field, message }));
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

import { ValidationError } from 'class-validator';
import { ERROR_CODES } from '@tessera/contracts';
import type { FieldProblem } from '@tessera/platform';
import { ProblemException } from './problem.exception';

/**
 * The most field problems one answer lists. A body within the size and member limits can still fail a thousand
 * rules; the client fixes the first ones and learns the rest on its next try, and the answer stays small.
 */
export const MAX_LISTED_FIELD_PROBLEMS = 20;

/** The ValidationPipe's exceptionFactory: the problems of the invalid fields, as VALIDATION_FAILED. */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const problems = fieldProblems(errors);
  if (problems.length === 0) return new ProblemException(ERROR_CODES.VALIDATION_FAILED, 'The request is not valid.', { errors: [] });
  const listed = problems.slice(0, MAX_LISTED_FIELD_PROBLEMS);
  const unlisted = problems.length - listed.length;
  const messages = listed.map((problem) => problem.message);
  if (unlisted > 0) messages.push(`and ${unlisted} more ${unlisted === 1 ? 'problem' : 'problems'} not listed`);
  return new ProblemException(ERROR_CODES.VALIDATION_FAILED, messages.join('; '), { errors: listed });
}

/**
 * The rules that say what type a value must be. When one fails, the rules after it (a length, a range, a pattern, a
 * type of its items) describe values of that type, and would only tell the client of a string "10.00" that it must not
 * be less than 0. A nested object's own `nestedValidation` ("must be either object or array") says again what its
 * `isObject` says.
 */
const TYPE_RULES = new Set(['isString', 'isInt', 'isNumber', 'isBoolean', 'isObject', 'isArray']);

/**
 * Flattens class-validator's tree; nested fields get dotted paths
 * (`price.amount`, `items.0.quantity`), and each message begins with its
 * field's path as it does at the top. A missing field gets one "is
 * required" rather than every rule it fails; a value of the wrong type gets
 * the type it must be, not the rules for values of that type; otherwise each
 * failed rule is listed in the order the DTO declares them (type first).
 */
export function fieldProblems(errors: ValidationError[], parent?: string): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property || 'body';
    // class-validator runs (and reports) a property's rules bottom-up; the DTO reads top-down.
    const rules = Object.entries(error.constraints ?? {}).reverse();
    const typeRule = rules.find(([rule]) => TYPE_RULES.has(rule));
    let own: FieldProblem[];
    if (rules.some(([rule]) => rule === 'whitelistValidation')) own = [{ field, message: `${field} is not an accepted field` }];
    else if (rules.length > 0 && 'value' in error && error.value === undefined) own = [{ field, message: `${field} is required` }];
    else own = (typeRule ? [typeRule] : rules).map(([, message]) => ({ field, message: namingPath(message, error.property, field) }));
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

// class-validator begins a message with the bare property (`quantity must not be less than 1`), which names no item.
function namingPath(message: string, property: string, field: string): string {
  return field !== property && message.startsWith(`${property} `) ? `${field}${message.slice(property.length)}` : message;
}

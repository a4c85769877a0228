import { FieldProblem, ValidationError } from '@tessera/shared-kernel';

/**
 * Runs every parser and throws one ValidationError listing the problems of
 * all fields, so a caller learns everything wrong with a request at once.
 */
export function validateAll<T extends unknown[]>(...parsers: { [K in keyof T]: () => T[K] }): T {
  const problems: FieldProblem[] = [];
  const values = parsers.map((parse) => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
  return values as T;
}

import { FieldProblem, ValidationError } from './domain-error';

/**
 * The page of every list when none is asked for, its largest size, and the
 * last page one may ask for: far beyond any real list, and keeps
 * (page - 1) * limit a safe integer.
 */
export const PAGE_LIMITS = { defaultLimit: 20, maxLimit: 100, maxPage: 1_000_000 } as const;

interface PageQuery {
  page?: unknown;
  limit?: unknown;
}

/** What is wrong with a list's page and limit, for a caller that checks more fields of the same request. */
export function pageRequestProblems(request: PageQuery): FieldProblem[] {
  const { page, limit } = withDefaults(request);
  const problems: FieldProblem[] = [];
  if (!isIntegerIn(page, 1, PAGE_LIMITS.maxPage)) problems.push({ field: 'page', message: `must be an integer from 1 to ${PAGE_LIMITS.maxPage}` });
  if (!isIntegerIn(limit, 1, PAGE_LIMITS.maxLimit)) problems.push({ field: 'limit', message: `must be an integer from 1 to ${PAGE_LIMITS.maxLimit}` });
  return problems;
}

/** A list's page as asked for, its defaults filled in; VALIDATION_FAILED naming each field out of range. */
export function checkedPageRequest(request: PageQuery): { page: number; limit: number } {
  const problems = pageRequestProblems(request);
  if (problems.length > 0) throw new ValidationError(problems);
  return withDefaults(request) as { page: number; limit: number };
}

function withDefaults(request: PageQuery): { page: unknown; limit: unknown } {
  return { page: request.page ?? 1, limit: request.limit ?? PAGE_LIMITS.defaultLimit };
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

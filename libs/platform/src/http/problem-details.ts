import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';

/** A field that failed validation, and why. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An error response body (RFC 9457). `type` is about:blank, so `title` is the
 * status phrase; `code` is the stable machine code clients branch on.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemDetails(
  status: number,
  code: string,
  detail: string,
  errors?: FieldProblem[],
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  const problem: ProblemDetails = { ...extensions, type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code };
  if (errors && errors.length > 0) problem.errors = errors;
  return problem;
}

/** Writes a problem as the response, unless one has gone out already. */
export function sendProblem(reply: FastifyReply, problem: ProblemDetails): void {
  if (reply.sent) return;
  void reply.code(problem.status).header('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`).send(JSON.stringify(problem));
}

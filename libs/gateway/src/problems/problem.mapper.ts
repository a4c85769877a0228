import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { ERROR_CODES } from '@tessera/contracts';
import { RemoteError } from '@tessera/messaging';
import { codeOfStatus, GATEWAY_ERROR_CODES, statusOfCode } from './problem-codes';
import { problemDetails, ProblemDetails } from '@tessera/platform';
import { clientWordingOf, ProblemException } from './problem.exception';

/** What the filter sends, and what it should log: only failures the client could not have caused. */
export interface MappedProblem {
  problem: ProblemDetails;
  /** Headers the answer carries besides the body's, such as Retry-After. */
  headers?: Record<string, string>;
  log?: { level: 'error' | 'warn'; message: string; stack?: string };
}

export const SERVER_SIDE_DETAIL: Readonly<Record<number, string>> = {
  502: 'A service this request needs answered badly; try again shortly.',
  503: 'A service this request needs is unavailable; try again shortly.',
  504: 'A service this request needs did not answer in time; try again shortly.',
};
export const INTERNAL_DETAIL = 'The request could not be completed.';
/** How long a client is asked to wait after CONTEXT_UNAVAILABLE: a context restarting, or a circuit about to let a try through. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;
// Fastify's own words for these say less than a client needs to fix the request.
export const CLIENT_SIDE_DETAIL: Readonly<Record<number, string>> = {
  413: 'The request body is larger than the API accepts (1 MiB).',
  415: 'The request body must be JSON, sent with Content-Type: application/json.',
};

/**
 * Turns anything thrown while serving a request into problem details. A 5xx
 * body never carries the error's own message (it may hold SQL, a host name or
 * a stack): that goes to the log instead.
 */
export function mapToProblem(exception: unknown): MappedProblem {
  if (exception instanceof ProblemException) {
    const mapped = fromCode(exception.getStatus(), exception.code, exception.message, exception.errors, exception.extensions);
    return exception.detailWrittenForClients ? { ...mapped, problem: { ...mapped.problem, detail: exception.message } } : mapped;
  }
  if (exception instanceof RemoteError) {
    const status = statusOfCode(exception.code);
    if (status === undefined) {
      return internal(`A context answered the unmapped error code ${exception.code}: ${exception.message}`, 'warn');
    }
    const retryAfterSeconds = retryAfterOf(exception);
    const { detail, errors } = clientWordingOf(exception);
    if (retryAfterSeconds === undefined) return fromCode(status, exception.code, detail, errors);
    // A context that asks the client to come back later (an idempotency key still being resolved) says when.
    return {
      ...fromCode(status, exception.code, detail, errors, { retryAfterSeconds }),
      headers: { 'Retry-After': String(retryAfterSeconds) },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return fromCode(status, codeOfStatus(status), CLIENT_SIDE_DETAIL[status] ?? httpExceptionDetail(exception), undefined, undefined, exception.stack);
  }
  const clientErrorStatus = clientErrorStatusOf(exception);
  if (clientErrorStatus !== undefined) {
    if (exception instanceof SyntaxError) {
      return { problem: problemDetails(400, GATEWAY_ERROR_CODES.MALFORMED_JSON, 'The request body is not valid JSON.') };
    }
    // The message of an error from an unknown source may name files or hosts; the status phrase says enough.
    const detail = CLIENT_SIDE_DETAIL[clientErrorStatus] ?? STATUS_CODES[clientErrorStatus] ?? 'The request is not valid.';
    return { problem: problemDetails(clientErrorStatus, codeOfStatus(clientErrorStatus), detail) };
  }
  const error = exception as Error | undefined;
  return internal(`Unexpected ${error?.name ?? typeof exception}: ${error?.message ?? String(exception)}`, 'error', error?.stack);
}

function fromCode(
  status: number,
  code: string,
  detail: string,
  errors?: ProblemDetails['errors'],
  extensions?: Record<string, unknown>,
  stack?: string,
): MappedProblem {
  if (status < 500) return { problem: problemDetails(status, code, detail, errors, extensions) };
  const expected = code === ERROR_CODES.CONTEXT_UNAVAILABLE || code === ERROR_CODES.NO_HANDLER;
  return {
    // The extensions are values a handler chose for the client (a payment's id), unlike the detail.
    problem: problemDetails(status, code, SERVER_SIDE_DETAIL[status] ?? INTERNAL_DETAIL, undefined, extensions),
    log: { level: expected ? 'warn' : 'error', message: `${code}: ${detail}`, stack: expected ? undefined : stack },
    // Says "try again shortly" the way HTTP clients and proxies read it.
    ...(code === ERROR_CODES.CONTEXT_UNAVAILABLE ? { headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } } : {}),
  };
}

/** The whole seconds a context's refusal asks the client to wait, when it asks. */
function retryAfterOf(error: RemoteError): number | undefined {
  const seconds = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}

function internal(message: string, level: 'error' | 'warn', stack?: string): MappedProblem {
  return { problem: problemDetails(500, ERROR_CODES.INTERNAL, INTERNAL_DETAIL), log: { level, message, stack } };
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/**
 * What fails before Nest routes a request (a Fastify plugin or parser) may
 * throw a plain error with a 4xx statusCode, which Nest passes on unmapped.
 */
function clientErrorStatusOf(exception: unknown): number | undefined {
  if (!(exception instanceof Error)) return undefined;
  const status = (exception as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

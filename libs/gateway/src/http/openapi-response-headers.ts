import type { HeaderObject, OpenAPIObject, OperationObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import { ERROR_CODES } from '@tessera/contracts';
import { isOperationsPath, PROBLEM_CONTENT_TYPE } from '@tessera/platform';
import { BEARER_AUTH } from '../auth/auth.decorators';
import { operationsOf } from './openapi-operations';

const REQUEST_ID: HeaderObject = {
  description:
    "The request's id: the client's X-Request-Id when it sent a usable one, a new UUID otherwise. The request's log lines, and the messages and events it causes, carry it as their correlation id.",
  required: true,
  schema: { type: 'string' },
};

const retryAfter = (required: boolean, description: string): HeaderObject => ({ description, required, schema: { type: 'integer', minimum: 1 } });

const WWW_AUTHENTICATE: HeaderObject = {
  description: 'Bearer, with error="invalid_token" when a token was sent and refused (RFC 6750)',
  required: true,
  schema: { type: 'string' },
};

/** What @nestjs/throttler writes for the budget of RATE_LIMIT_PER_MINUTE, on each answer the budget counted. */
const RATE_LIMIT: Readonly<Record<string, HeaderObject>> = {
  'X-RateLimit-Limit': { description: "The requests a minute this client's budget allows", schema: { type: 'integer', minimum: 0 } },
  'X-RateLimit-Remaining': { description: 'The requests left in it now', schema: { type: 'integer', minimum: 0 } },
  'X-RateLimit-Reset': { description: 'The seconds until its count starts again', schema: { type: 'integer', minimum: 0 } },
};

/**
 * Names, on every answer of the document, the response headers API.md promises and the CORS policy exposes, from the
 * facts that decide them (the status, a code the answer may carry, the route's security, whether it is rate
 * limited) rather than from a decorator on each route, which a new route could forget: X-Request-Id on every answer,
 * Retry-After where an answer says when to ask again, WWW-Authenticate on a bearer route's 401, and the rate limit's
 * headers on every route but the health and metrics ones.
 */
export function documentResponseHeaders(document: OpenAPIObject): OpenAPIObject {
  for (const [path, operation] of operationsOf(document)) {
    for (const [status, response] of Object.entries(operation.responses)) {
      if (isResponse(response)) response.headers = { ...response.headers, ...headersOf(path, operation, status, response) };
    }
  }
  return document;
}

function headersOf(path: string, operation: OperationObject, status: string, response: ResponseObject): Record<string, HeaderObject> {
  const headers: Record<string, HeaderObject> = { 'X-Request-Id': REQUEST_ID };
  const codes = Object.keys(response.content?.[PROBLEM_CONTENT_TYPE]?.examples ?? {});
  if (status === '429') headers['Retry-After'] = retryAfter(true, 'The seconds until this client may be answered again');
  if (status === '503')
    headers['Retry-After'] = retryAfter(false, 'CONTEXT_UNAVAILABLE, or a shop too busy to take the request: the seconds to wait before trying again');
  if (codes.includes(ERROR_CODES.IDEMPOTENCY_KEY_IN_USE))
    headers['Retry-After'] = retryAfter(false, 'IDEMPOTENCY_KEY_IN_USE: the seconds to wait before asking again');
  if (status === '401' && operation.security?.some((requirement) => BEARER_AUTH in requirement)) headers['WWW-Authenticate'] = WWW_AUTHENTICATE;
  if (!isOperationsPath(path) && status !== '429') Object.assign(headers, RATE_LIMIT);
  return headers;
}

function isResponse(response: ResponseObject | ReferenceObject | undefined): response is ResponseObject {
  return response !== undefined && !('$ref' in response);
}

import { ERROR_CODES, type ErrorCode } from '@tessera/contracts';
import { NOT_READY } from '@tessera/platform';

/** Codes the gateway raises itself, beside the ones that come from the contexts (ERROR_CODES). */
export const GATEWAY_ERROR_CODES = {
  BAD_REQUEST: 'BAD_REQUEST',
  MALFORMED_JSON: 'MALFORMED_JSON',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED: 'RATE_LIMITED',
  /** GET /health/ready: something this process needs does not answer (raised by the health controller itself). */
  NOT_READY,
} as const;
type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[keyof typeof GATEWAY_ERROR_CODES];

/**
 * The one table from error code to HTTP status. A code added to ERROR_CODES
 * without its line here fails the typecheck; a code no contract names (a
 * context deployed ahead of this gateway) answers 500 and is logged. A route
 * where a code means something else overrides it there (POST /orders:
 * PRODUCT_NOT_FOUND is 422).
 */
export const PROBLEM_STATUS: Readonly<Record<ErrorCode | GatewayErrorCode, number>> = {
  [ERROR_CODES.VALIDATION_FAILED]: 400,
  [ERROR_CODES.INVALID_CREDENTIALS]: 401,
  [ERROR_CODES.USER_NOT_FOUND]: 404,
  [ERROR_CODES.PRODUCT_NOT_FOUND]: 404,
  [ERROR_CODES.EMAIL_TAKEN]: 409,
  [ERROR_CODES.SKU_TAKEN]: 409,
  [ERROR_CODES.INSUFFICIENT_STOCK]: 409,
  [ERROR_CODES.CONCURRENT_MODIFICATION]: 409,
  [ERROR_CODES.ORDER_NOT_FOUND]: 404,
  [ERROR_CODES.ORDER_NOT_CANCELLABLE]: 409,
  [ERROR_CODES.ORDER_NOT_PAYABLE]: 409,
  // Reaches a client only when the order's reservation went away under its request (released meanwhile): a conflict, not a missing resource.
  [ERROR_CODES.RESERVATION_NOT_FOUND]: 409,
  [ERROR_CODES.PAYMENT_DECLINED]: 402,
  [ERROR_CODES.PAYMENT_NOT_FOUND]: 404,
  [ERROR_CODES.IDEMPOTENCY_KEY_REUSED]: 422,
  [ERROR_CODES.IDEMPOTENCY_KEY_IN_USE]: 409,
  [ERROR_CODES.CONTEXT_UNAVAILABLE]: 503,
  [ERROR_CODES.NO_HANDLER]: 503,
  [ERROR_CODES.INTERNAL]: 500,
  // Only a subscriber of an event answers it, and only to the publisher; reaching a client, it is a server-side failure.
  [ERROR_CODES.EVENT_NOT_PROCESSED]: 500,
  [ERROR_CODES.DEAD_LETTER_NOT_FOUND]: 404,
  [GATEWAY_ERROR_CODES.BAD_REQUEST]: 400,
  [GATEWAY_ERROR_CODES.MALFORMED_JSON]: 400,
  [GATEWAY_ERROR_CODES.UNAUTHORIZED]: 401,
  [GATEWAY_ERROR_CODES.FORBIDDEN]: 403,
  [GATEWAY_ERROR_CODES.NOT_FOUND]: 404,
  [GATEWAY_ERROR_CODES.METHOD_NOT_ALLOWED]: 405,
  [GATEWAY_ERROR_CODES.PAYLOAD_TOO_LARGE]: 413,
  [GATEWAY_ERROR_CODES.UNSUPPORTED_MEDIA_TYPE]: 415,
  [GATEWAY_ERROR_CODES.RATE_LIMITED]: 429,
  [GATEWAY_ERROR_CODES.NOT_READY]: 503,
};

/** Codes for statuses that reach the filter without one (Nest's HttpExceptions, Fastify's errors). */
const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: GATEWAY_ERROR_CODES.BAD_REQUEST,
  401: GATEWAY_ERROR_CODES.UNAUTHORIZED,
  403: GATEWAY_ERROR_CODES.FORBIDDEN,
  404: GATEWAY_ERROR_CODES.NOT_FOUND,
  405: GATEWAY_ERROR_CODES.METHOD_NOT_ALLOWED,
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  411: 'LENGTH_REQUIRED',
  413: GATEWAY_ERROR_CODES.PAYLOAD_TOO_LARGE,
  414: 'URI_TOO_LONG',
  415: GATEWAY_ERROR_CODES.UNSUPPORTED_MEDIA_TYPE,
  422: 'UNPROCESSABLE_CONTENT',
  429: GATEWAY_ERROR_CODES.RATE_LIMITED,
  431: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
  500: ERROR_CODES.INTERNAL,
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

export function statusOfCode(code: string): number | undefined {
  return Object.hasOwn(PROBLEM_STATUS, code) ? PROBLEM_STATUS[code as keyof typeof PROBLEM_STATUS] : undefined;
}

export function codeOfStatus(status: number): string {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? ERROR_CODES.INTERNAL : GATEWAY_ERROR_CODES.BAD_REQUEST);
}

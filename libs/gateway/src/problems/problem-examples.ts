import { ERROR_CODES } from '@tessera/contracts';
import { GATEWAY_ERROR_CODES } from './problem-codes';
import type { FieldProblem } from '@tessera/platform';
import { CLIENT_SIDE_DETAIL, SERVER_SIDE_DETAIL } from './problem.mapper';

/** What an answer with a given code says, for the examples of the OpenAPI document. */
export interface ProblemExample {
  detail: string;
  errors?: FieldProblem[];
  /** Members the answer always carries besides the standard ones. */
  extensions?: Record<string, unknown>;
}

/**
 * One example per code a route documents, in the words the API answers with.
 * A code documented on a route needs its line here: @ApiProblems refuses one
 * without, so an example can never fall back to another code's.
 */
export const PROBLEM_EXAMPLES: Readonly<Record<string, ProblemExample>> = {
  [ERROR_CODES.VALIDATION_FAILED]: {
    detail: 'price.amount must be an integer number',
    errors: [{ field: 'price.amount', message: 'price.amount must be an integer number' }],
  },
  [ERROR_CODES.INVALID_CREDENTIALS]: { detail: 'The email or password is wrong.' },
  [ERROR_CODES.EMAIL_TAKEN]: { detail: 'An account with this email already exists' },
  [ERROR_CODES.USER_NOT_FOUND]: { detail: 'No user has this id' },
  [ERROR_CODES.SKU_TAKEN]: { detail: 'A product with SKU MUG-1 already exists' },
  [ERROR_CODES.PRODUCT_NOT_FOUND]: { detail: 'Product not found' },
  [ERROR_CODES.INSUFFICIENT_STOCK]: { detail: 'Cannot reserve 5 of MUG-1: only 2 in stock' },
  [ERROR_CODES.CONCURRENT_MODIFICATION]: { detail: 'The resource kept changing while this request was applied; try again' },
  [ERROR_CODES.ORDER_NOT_FOUND]: { detail: 'Order not found' },
  [ERROR_CODES.ORDER_NOT_CANCELLABLE]: { detail: 'The order is cancelled already' },
  [ERROR_CODES.ORDER_NOT_PAYABLE]: { detail: 'The order cannot be paid: it is paid already' },
  [ERROR_CODES.PAYMENT_DECLINED]: { detail: 'The payment was declined (card_declined)', extensions: { paymentId: '3f0c2a8e-9b1d-4c55-8e2f-6a7b1c9d0e42' } },
  [ERROR_CODES.PAYMENT_NOT_FOUND]: { detail: 'Payment not found' },
  [ERROR_CODES.IDEMPOTENCY_KEY_REUSED]: { detail: 'This Idempotency-Key was used with a different request' },
  [ERROR_CODES.IDEMPOTENCY_KEY_IN_USE]: {
    detail: 'The first request with this Idempotency-Key is still being resolved; ask again shortly',
    extensions: { retryAfterSeconds: 2 },
  },
  [ERROR_CODES.CONTEXT_UNAVAILABLE]: { detail: SERVER_SIDE_DETAIL[503] },
  [ERROR_CODES.DEAD_LETTER_NOT_FOUND]: { detail: 'No such dead letter.' },
  [GATEWAY_ERROR_CODES.MALFORMED_JSON]: { detail: 'The request body is not valid JSON.' },
  [GATEWAY_ERROR_CODES.PAYLOAD_TOO_LARGE]: { detail: CLIENT_SIDE_DETAIL[413] },
  [GATEWAY_ERROR_CODES.UNSUPPORTED_MEDIA_TYPE]: { detail: CLIENT_SIDE_DETAIL[415] },
  [GATEWAY_ERROR_CODES.UNAUTHORIZED]: { detail: 'A bearer access token is required.' },
  [GATEWAY_ERROR_CODES.FORBIDDEN]: { detail: 'This action needs the admin role.' },
  [GATEWAY_ERROR_CODES.RATE_LIMITED]: { detail: 'Too many requests; retry after 42 seconds.' },
};

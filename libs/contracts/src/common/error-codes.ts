/** Stable machine codes that cross every boundary; the gateway maps them to HTTP statuses. */
export const ERROR_CODES = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  SKU_TAKEN: 'SKU_TAKEN',
  PRODUCT_NOT_FOUND: 'PRODUCT_NOT_FOUND',
  INSUFFICIENT_STOCK: 'INSUFFICIENT_STOCK',
  /** The resource kept changing under the request; safe to retry. */
  CONCURRENT_MODIFICATION: 'CONCURRENT_MODIFICATION',
  RESERVATION_NOT_FOUND: 'RESERVATION_NOT_FOUND',
  ORDER_NOT_FOUND: 'ORDER_NOT_FOUND',
  ORDER_NOT_CANCELLABLE: 'ORDER_NOT_CANCELLABLE',
  ORDER_NOT_PAYABLE: 'ORDER_NOT_PAYABLE',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  PAYMENT_NOT_FOUND: 'PAYMENT_NOT_FOUND',
  /** The same Idempotency-Key was sent with a different request. */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** The first request with this Idempotency-Key is still running. */
  IDEMPOTENCY_KEY_IN_USE: 'IDEMPOTENCY_KEY_IN_USE',
  /** A context could not be reached in time, or did not answer. */
  CONTEXT_UNAVAILABLE: 'CONTEXT_UNAVAILABLE',
  /** A message pattern that no context serves: a deployment or contract mismatch. */
  NO_HANDLER: 'NO_HANDLER',
  INTERNAL: 'INTERNAL',
  /** A subscriber failed to process an event, which will be delivered again after `details.retryAfterMs`. */
  EVENT_NOT_PROCESSED: 'EVENT_NOT_PROCESSED',
  DEAD_LETTER_NOT_FOUND: 'DEAD_LETTER_NOT_FOUND',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The shape an error takes on the wire: a code, a human message, and field problems for validation. */
export interface ErrorPayload {
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
  /** Values a client needs to act on the error, such as the `paymentId` of a declined payment. */
  details?: Record<string, unknown>;
}

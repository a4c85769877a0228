/** Requests the payments context answers. */
export const PAYMENTS_PATTERNS = {
  PAY_ORDER: 'payments.pay-order',
  GET_PAYMENT: 'payments.get-payment',
  REFUND_ORDER: 'payments.refund-order',
  CHECK_HEALTH: 'payments.check-health',
} as const;

/** The payments requests that only read, so repeating one is safe: a client may retry them. */
export const PAYMENTS_QUERY_PATTERNS: readonly string[] = [PAYMENTS_PATTERNS.GET_PAYMENT, PAYMENTS_PATTERNS.CHECK_HEALTH];

/** Integration events the payments context publishes. */
export const PAYMENTS_EVENTS = {
  PAYMENT_SUCCEEDED: 'payments.payment.succeeded',
  PAYMENT_FAILED: 'payments.payment.failed',
  PAYMENT_REFUNDED: 'payments.payment.refunded',
} as const;

/** Requests the payments context answers. */
export const PAYMENTS_PATTERNS = {
  PAY_ORDER: 'payments.pay-order',
  GET_PAYMENT: 'payments.get-payment',
  REFUND_ORDER: 'payments.refund-order',
  CHECK_HEALTH: 'payments.check-health',
} as const;

/** Integration events the payments context publishes. */
export const PAYMENTS_EVENTS = {
  PAYMENT_SUCCEEDED: 'payments.payment.succeeded',
  PAYMENT_FAILED: 'payments.payment.failed',
  PAYMENT_REFUNDED: 'payments.payment.refunded',
} as const;

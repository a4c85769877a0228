export const ORDER_STATUSES = ['AWAITING_PAYMENT', 'CONFIRMED', 'CANCELLED'] as const;
/** AWAITING_PAYMENT -> CONFIRMED | CANCELLED; CONFIRMED -> CANCELLED (refunded); CANCELLED is final. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const CANCELLATION_REASONS = ['CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_ADMIN', 'PAYMENT_EXPIRED'] as const;
/** Why an order was cancelled. */
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

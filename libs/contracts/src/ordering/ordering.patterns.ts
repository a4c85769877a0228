/** Requests the ordering context answers. */
export const ORDERING_PATTERNS = {
  PLACE_ORDER: 'ordering.place-order',
  GET_ORDER: 'ordering.get-order',
  LIST_ORDERS: 'ordering.list-orders',
  CANCEL_ORDER: 'ordering.cancel-order',
  GET_ORDER_HISTORY: 'ordering.get-order-history',
  CONFIRM_PAYMENT: 'ordering.confirm-payment',
  CHECK_HEALTH: 'ordering.check-health',
} as const;

/** The ordering requests that only read, so repeating one is safe: a client may retry them. */
export const ORDERING_QUERY_PATTERNS: readonly string[] = [
  ORDERING_PATTERNS.GET_ORDER,
  ORDERING_PATTERNS.LIST_ORDERS,
  ORDERING_PATTERNS.GET_ORDER_HISTORY,
  ORDERING_PATTERNS.CHECK_HEALTH,
];

/** Integration events the ordering context publishes. */
export const ORDERING_EVENTS = {
  ORDER_PLACED: 'ordering.order.placed',
  ORDER_CONFIRMED: 'ordering.order.confirmed',
  ORDER_CANCELLED: 'ordering.order.cancelled',
} as const;

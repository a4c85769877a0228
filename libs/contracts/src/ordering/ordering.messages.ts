import type { MoneyDto } from '../common/money.dto';
import type { PageRequest } from '../common/page';
import type { Requester } from '../common/requester';

export type OrderStatus = 'AWAITING_PAYMENT' | 'CONFIRMED' | 'CANCELLED';
export type CancellationReason = 'CANCELLED_BY_CUSTOMER' | 'CANCELLED_BY_ADMIN' | 'PAYMENT_EXPIRED';

/** One line of an order, priced by the catalog when the order was placed. */
export interface OrderLineView {
  productId: string;
  sku: string;
  name: string;
  unitPrice: MoneyDto;
  quantity: number;
  lineTotal: MoneyDto;
}

/** An order as API.md shows it. */
export interface OrderView {
  id: string;
  userId: string;
  status: OrderStatus;
  items: OrderLineView[];
  total: MoneyDto;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  cancellationReason?: CancellationReason;
}

/**
 * ordering.place-order (v1): 1..50 lines, quantity 1..1000, lines for one
 * product merged; stock reserved at once or the order refused. With an
 * idempotency key, the same key and request answer the first result again.
 */
export interface PlaceOrderRequest {
  userId: string;
  items: { productId: string; quantity: number }[];
  idempotencyKey?: string;
}

/** ordering.get-order (v1): ORDER_NOT_FOUND also for another user's order unless the requester is an admin. */
export interface GetOrderRequest {
  orderId: string;
  requester: Requester;
}

/** ordering.list-orders (v1): a customer sees their own; an admin all, or one user's with `userId`. */
export interface ListOrdersRequest extends PageRequest {
  requester: Requester;
  userId?: string;
}

/** ordering.cancel-order (v1): ORDER_NOT_CANCELLABLE once cancelled; a paid order is refunded. */
export interface CancelOrderRequest {
  orderId: string;
  requester: Requester;
}

/** ordering.get-order-history (v1): the order's events, oldest first. */
export interface GetOrderHistoryRequest {
  orderId: string;
  requester: Requester;
}

/** One event of an order's stream. */
export interface OrderHistoryEntry {
  type: string;
  version: number;
  occurredAt: string;
  data: Record<string, unknown>;
}

/**
 * ordering.confirm-payment (v1): payments reports a successful charge. Confirms
 * an order awaiting payment (and commits its stock); idempotent for the same
 * payment, also once the order it confirmed was cancelled (that cancellation
 * refunds it); ORDER_NOT_PAYABLE when the order expired or was cancelled
 * before this payment confirmed it, and the charge must then be refunded.
 */
export interface ConfirmPaymentRequest {
  orderId: string;
  paymentId: string;
}

import type { MoneyDto } from '../common/money.dto';
import type { Requester } from '../common/requester';

/** PENDING while the provider's answer to its charge is not stored yet (a request under way, or one that died and waits for the sweeper). */
export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED';

/** A payment as API.md shows it. */
export interface PaymentView {
  id: string;
  orderId: string;
  amount: MoneyDto;
  status: PaymentStatus;
  paymentMethod: string;
  failureReason?: string;
  createdAt: string;
}

/**
 * payments.pay-order (v1): charges the order's own total, at most once per
 * order. Declined: PAYMENT_DECLINED with `details.paymentId`, the order stays
 * payable. ORDER_NOT_PAYABLE, ORDER_NOT_FOUND (also another user's order).
 * With an idempotency key, the same key and request answer the first result again.
 */
export interface PayOrderRequest {
  orderId: string;
  userId: string;
  paymentMethod: string;
  idempotencyKey?: string;
}

/** payments.get-payment (v1): PAYMENT_NOT_FOUND also for another user's payment unless an admin asks. */
export interface GetPaymentRequest {
  paymentId: string;
  requester: Requester;
}

/** payments.refund-order (v1): refunds the order's successful charge, once; nothing to refund is not an error. */
export interface RefundOrderRequest {
  orderId: string;
}

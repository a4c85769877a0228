import type { IntegrationEventEnvelope } from '../common/integration-event';
import type { MoneyDto } from '../common/money.dto';
import type { CancellationReason } from './ordering.messages';

/** ordering.order.placed (v1): stock is reserved under reservationId (the order's id). */
export interface OrderPlacedEvent extends IntegrationEventEnvelope {
  orderId: string;
  userId: string;
  total: MoneyDto;
  expiresAt: string;
}

/** ordering.order.confirmed (v1): paid; catalog commits the reservation. */
export interface OrderConfirmedEvent extends IntegrationEventEnvelope {
  orderId: string;
  paymentId: string;
}

/** ordering.order.cancelled (v1): catalog releases the stock; payments refunds what was charged. */
export interface OrderCancelledEvent extends IntegrationEventEnvelope {
  orderId: string;
  reason: CancellationReason;
}

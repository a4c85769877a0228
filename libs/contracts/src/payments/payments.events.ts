import type { IntegrationEventEnvelope } from '../common/integration-event';
import type { MoneyDto } from '../common/money.dto';

/** payments.payment.succeeded (v1): ordering confirms the order if it has not yet. */
export interface PaymentSucceededEvent extends IntegrationEventEnvelope {
  paymentId: string;
  orderId: string;
  amount: MoneyDto;
}

/** payments.payment.failed (v1): the order stays payable. */
export interface PaymentFailedEvent extends IntegrationEventEnvelope {
  paymentId: string;
  orderId: string;
  failureReason: string;
}

/** payments.payment.refunded (v1). */
export interface PaymentRefundedEvent extends IntegrationEventEnvelope {
  paymentId: string;
  orderId: string;
  amount: MoneyDto;
}

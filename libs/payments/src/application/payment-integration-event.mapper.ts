import { PAYMENTS_EVENTS } from '@tessera/contracts';
import type { IntegrationEventPayload, PaymentFailedEvent, PaymentRefundedEvent, PaymentSucceededEvent } from '@tessera/contracts';
import type { PaymentDomainEvent } from '../domain/payment.aggregate';
import type { OutgoingIntegrationEvent } from '@tessera/shared-kernel';

/** Turns what a payment recorded into the integration events other contexts see (the outbox stamps eventId, occurredAt and version). */
export class PaymentIntegrationEventMapper {
  static toOutgoing(events: readonly PaymentDomainEvent[]): OutgoingIntegrationEvent[] {
    return events.map((event) => PaymentIntegrationEventMapper.toOne(event));
  }

  private static toOne(event: PaymentDomainEvent): OutgoingIntegrationEvent {
    switch (event.type) {
      case 'PaymentSucceeded': {
        const payload: IntegrationEventPayload<PaymentSucceededEvent> = { paymentId: event.aggregateId, orderId: event.orderId, amount: event.amount.toJSON() };
        return { pattern: PAYMENTS_EVENTS.PAYMENT_SUCCEEDED, payload };
      }
      case 'PaymentFailed': {
        const payload: IntegrationEventPayload<PaymentFailedEvent> = {
          paymentId: event.aggregateId,
          orderId: event.orderId,
          failureReason: event.failureReason,
        };
        return { pattern: PAYMENTS_EVENTS.PAYMENT_FAILED, payload };
      }
      case 'PaymentRefunded': {
        const payload: IntegrationEventPayload<PaymentRefundedEvent> = { paymentId: event.aggregateId, orderId: event.orderId, amount: event.amount.toJSON() };
        return { pattern: PAYMENTS_EVENTS.PAYMENT_REFUNDED, payload };
      }
    }
  }
}

import { IntegrationEventPayload, ORDERING_EVENTS, OrderCancelledEvent, OrderConfirmedEvent, OrderPlacedEvent } from '@tessera/contracts';
import type { OrderDomainEvent } from '../domain/order-domain-events';

/** What goes into the outbox for one event of an order's stream. */
export type OrderIntegrationEvent =
  | { pattern: typeof ORDERING_EVENTS.ORDER_PLACED; payload: IntegrationEventPayload<OrderPlacedEvent> }
  | { pattern: typeof ORDERING_EVENTS.ORDER_CONFIRMED; payload: IntegrationEventPayload<OrderConfirmedEvent> }
  | { pattern: typeof ORDERING_EVENTS.ORDER_CANCELLED; payload: IntegrationEventPayload<OrderCancelledEvent> };

/** The integration event an event of the stream means to the other contexts: ids and the few values they need. */
export function toIntegrationEvent(event: OrderDomainEvent): OrderIntegrationEvent {
  switch (event.type) {
    case 'OrderPlaced':
      return {
        pattern: ORDERING_EVENTS.ORDER_PLACED,
        payload: { orderId: event.aggregateId, userId: event.userId, total: event.total.toJSON(), expiresAt: event.expiresAt.toISOString() },
      };
    case 'OrderConfirmed':
      return { pattern: ORDERING_EVENTS.ORDER_CONFIRMED, payload: { orderId: event.aggregateId, paymentId: event.paymentId } };
    case 'OrderCancelled':
      return { pattern: ORDERING_EVENTS.ORDER_CANCELLED, payload: { orderId: event.aggregateId, reason: event.reason } };
  }
}

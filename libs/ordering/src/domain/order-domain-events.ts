import { CANCELLATION_REASONS } from './order-status';
import { OrderCancelledData, OrderCancelledDomainEvent } from './order-cancelled.domain-event';
import { OrderConfirmedData, OrderConfirmedDomainEvent } from './order-confirmed.domain-event';
import { OrderPlacedData, OrderPlacedDomainEvent } from './order-placed.domain-event';

/** Every event of an order's stream. */
export type OrderDomainEvent = OrderPlacedDomainEvent | OrderConfirmedDomainEvent | OrderCancelledDomainEvent;

/** An event as the order's stream keeps it, and as GET /orders/:id/history shows it. */
export interface StoredOrderEvent {
  type: string;
  version: number;
  occurredAt: Date;
  data: Record<string, unknown>;
}

/** The stored form of an event: its type, version, time and data. */
export function toStoredEvent(event: OrderDomainEvent): StoredOrderEvent {
  return { type: event.type, version: event.version, occurredAt: new Date(event.occurredAt), data: { ...event.toData() } };
}

/** An event read back from the stream; throws on a type or data this code does not know, rather than guessing. */
export function fromStoredEvent(orderId: string, stored: StoredOrderEvent): OrderDomainEvent {
  const { type, version, data } = stored;
  const occurredAt = new Date(stored.occurredAt);
  switch (type) {
    case 'OrderPlaced':
      return OrderPlacedDomainEvent.fromData(orderId, version, occurredAt, data as unknown as OrderPlacedData);
    case 'OrderConfirmed':
      if (typeof data.paymentId !== 'string') break;
      return OrderConfirmedDomainEvent.fromData(orderId, version, occurredAt, data as unknown as OrderConfirmedData);
    case 'OrderCancelled':
      if (!(CANCELLATION_REASONS as readonly unknown[]).includes(data.reason)) break;
      return OrderCancelledDomainEvent.fromData(orderId, version, occurredAt, data as unknown as OrderCancelledData);
  }
  throw new Error(`Event ${version} of order ${orderId} (${type}) cannot be read`);
}

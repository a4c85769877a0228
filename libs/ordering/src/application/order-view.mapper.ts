import type { OrderHistoryEntry, OrderView } from '@tessera/contracts';
import type { OrderSnapshot } from '../domain/order.aggregate';
import { OrderDomainEvent, toStoredEvent } from '../domain/order-domain-events';

/** Turns orders and their events into the views every other context sees. */
export class OrderViewMapper {
  static toView(order: OrderSnapshot): OrderView {
    return {
      id: order.id,
      userId: order.userId,
      status: order.status,
      items: order.lines.map((line) => line.toJSON()),
      total: order.total.toJSON(),
      createdAt: order.createdAt.toISOString(),
      updatedAt: order.updatedAt.toISOString(),
      expiresAt: order.expiresAt.toISOString(),
      ...(order.cancellationReason ? { cancellationReason: order.cancellationReason } : {}),
    };
  }

  static toHistoryEntry(event: OrderDomainEvent): OrderHistoryEntry {
    const { type, version, occurredAt, data } = toStoredEvent(event);
    return { type, version, occurredAt: occurredAt.toISOString(), data };
  }
}

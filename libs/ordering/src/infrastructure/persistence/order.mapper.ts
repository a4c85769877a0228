import { fromStoredRow, toSafeInteger } from '@tessera/platform';
import { Money } from '@tessera/shared-kernel';
import type { OrderSnapshot } from '../../domain/order.aggregate';
import { fromStoredEvent, OrderDomainEvent, toStoredEvent } from '../../domain/order-domain-events';
import { OrderLine } from '../../domain/order-line.value-object';
import { CANCELLATION_REASONS, CancellationReason, ORDER_STATUSES, OrderStatus } from '../../domain/order-status';
import { OrderEventOrmEntity } from './order-event.orm-entity';
import { OrderOrmEntity } from './order.orm-entity';

/** Converts between orders (their events, their snapshots) and rows. */
export class OrderMapper {
  static toEventRow(event: OrderDomainEvent): OrderEventOrmEntity {
    const stored = toStoredEvent(event);
    const row = new OrderEventOrmEntity();
    row.orderId = event.aggregateId;
    row.version = stored.version;
    row.type = stored.type;
    row.data = stored.data;
    row.occurredAt = stored.occurredAt;
    return row;
  }

  static toEvent(row: OrderEventOrmEntity): OrderDomainEvent {
    return fromStoredRow(`ordering.order_events ${row.orderId} version ${row.version}`, () =>
      fromStoredEvent(row.orderId, {
        type: row.type,
        version: toSafeInteger(row.version, 'ordering.order_events.version'),
        occurredAt: new Date(row.occurredAt),
        data: row.data,
      }),
    );
  }

  static toRow(order: OrderSnapshot): OrderOrmEntity {
    const row = new OrderOrmEntity();
    row.id = order.id;
    row.userId = order.userId;
    row.status = order.status;
    row.items = order.lines.map((line) => line.toJSON());
    row.totalAmount = String(order.total.amount);
    row.totalCurrency = order.total.currency;
    row.paymentId = order.paymentId ?? null;
    row.expiresAt = order.expiresAt;
    row.cancellationReason = order.cancellationReason ?? null;
    row.createdAt = order.createdAt;
    row.updatedAt = order.updatedAt;
    row.version = order.version;
    return row;
  }

  static toSnapshot(row: OrderOrmEntity): OrderSnapshot {
    return fromStoredRow(`ordering.orders ${row.id}`, () => OrderMapper.snapshotOf(row));
  }

  private static snapshotOf(row: OrderOrmEntity): OrderSnapshot {
    return {
      id: row.id,
      userId: row.userId,
      status: oneOf(row.status, ORDER_STATUSES, 'status') as OrderStatus,
      lines: row.items.map((line, index) => OrderLine.of(line, `items.${index}`)),
      total: Money.of(toSafeInteger(row.totalAmount, 'ordering.orders.total_amount'), row.totalCurrency.trim(), 'total'),
      createdAt: new Date(row.createdAt),
      updatedAt: new Date(row.updatedAt),
      expiresAt: new Date(row.expiresAt),
      ...(row.cancellationReason
        ? { cancellationReason: oneOf(row.cancellationReason, CANCELLATION_REASONS, 'cancellation_reason') as CancellationReason }
        : {}),
      ...(row.paymentId ? { paymentId: row.paymentId } : {}),
      version: toSafeInteger(row.version, 'ordering.orders.version'),
    };
  }
}

function oneOf(value: string, allowed: readonly string[], column: string): string {
  if (!allowed.includes(value)) throw new RangeError(`ordering.orders.${column} holds the unknown value ${value}`);
  return value;
}

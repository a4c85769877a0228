import type { DomainEvent } from '@tessera/shared-kernel';
import type { CancellationReason } from './order-status';

/** The stream's data of OrderCancelled. */
export interface OrderCancelledData {
  reason: CancellationReason;
}

/** The order was cancelled (by its customer, an admin, or because it was not paid in time): its stock goes back, a payment is refunded. */
export class OrderCancelledDomainEvent implements DomainEvent<'OrderCancelled'> {
  readonly type = 'OrderCancelled' as const;

  constructor(
    readonly aggregateId: string,
    readonly version: number,
    readonly occurredAt: Date,
    readonly reason: CancellationReason,
  ) {}

  static fromData(aggregateId: string, version: number, occurredAt: Date, data: OrderCancelledData): OrderCancelledDomainEvent {
    return new OrderCancelledDomainEvent(aggregateId, version, occurredAt, data.reason);
  }

  toData(): OrderCancelledData {
    return { reason: this.reason };
  }
}

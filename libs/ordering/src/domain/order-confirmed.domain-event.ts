import type { DomainEvent } from '@tessera/shared-kernel';

/** The stream's data of OrderConfirmed. */
export interface OrderConfirmedData {
  paymentId: string;
}

/** The order was paid by this payment; its stock is sold. */
export class OrderConfirmedDomainEvent implements DomainEvent<'OrderConfirmed'> {
  readonly type = 'OrderConfirmed' as const;

  constructor(
    readonly aggregateId: string,
    readonly version: number,
    readonly occurredAt: Date,
    readonly paymentId: string,
  ) {}

  static fromData(aggregateId: string, version: number, occurredAt: Date, data: OrderConfirmedData): OrderConfirmedDomainEvent {
    return new OrderConfirmedDomainEvent(aggregateId, version, occurredAt, data.paymentId);
  }

  toData(): OrderConfirmedData {
    return { paymentId: this.paymentId };
  }
}

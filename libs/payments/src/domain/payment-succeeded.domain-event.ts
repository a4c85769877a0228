import type { DomainEvent, Money } from '@tessera/shared-kernel';

/** The provider took the money for an order. */
export class PaymentSucceededDomainEvent implements DomainEvent<'PaymentSucceeded'> {
  readonly type = 'PaymentSucceeded' as const;

  constructor(
    readonly aggregateId: string,
    readonly orderId: string,
    readonly amount: Money,
    readonly occurredAt: Date,
  ) {}
}

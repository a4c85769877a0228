import type { DomainEvent, Money } from '@tessera/shared-kernel';

/** The money of a succeeded payment went back to the customer. */
export class PaymentRefundedDomainEvent implements DomainEvent<'PaymentRefunded'> {
  readonly type = 'PaymentRefunded' as const;

  constructor(
    readonly aggregateId: string,
    readonly orderId: string,
    readonly amount: Money,
    readonly occurredAt: Date,
  ) {}
}

import type { DomainEvent } from '@tessera/shared-kernel';

/** The provider declined the charge; nothing was taken. */
export class PaymentFailedDomainEvent implements DomainEvent<'PaymentFailed'> {
  readonly type = 'PaymentFailed' as const;

  constructor(
    readonly aggregateId: string,
    readonly orderId: string,
    readonly failureReason: string,
    readonly occurredAt: Date,
  ) {}
}

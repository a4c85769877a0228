import type { DomainEvent, Money } from '@tessera/shared-kernel';

/** A product entered the catalog. */
export class ProductCreatedDomainEvent implements DomainEvent<'ProductCreated'> {
  readonly type = 'ProductCreated' as const;

  constructor(
    readonly aggregateId: string,
    readonly sku: string,
    readonly price: Money,
    readonly stock: number,
    readonly occurredAt: Date,
  ) {}
}

import type { DomainEvent, Money } from '@tessera/shared-kernel';

/** The fields of a product that an update can change. */
export type ProductField = 'name' | 'description' | 'price';

/** A product's name, description or price changed; `price` is the price after the change. */
export class ProductUpdatedDomainEvent implements DomainEvent<'ProductUpdated'> {
  readonly type = 'ProductUpdated' as const;

  constructor(
    readonly aggregateId: string,
    readonly changed: readonly ProductField[],
    readonly price: Money,
    readonly occurredAt: Date,
  ) {}
}

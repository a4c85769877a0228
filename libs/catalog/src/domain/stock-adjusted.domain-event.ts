import type { DomainEvent } from '@tessera/shared-kernel';

/** Goods were received (positive delta) or written off (negative delta); `stock` is the level after it. */
export class StockAdjustedDomainEvent implements DomainEvent<'StockAdjusted'> {
  readonly type = 'StockAdjusted' as const;

  constructor(
    readonly aggregateId: string,
    readonly delta: number,
    readonly stock: number,
    readonly occurredAt: Date,
  ) {}
}

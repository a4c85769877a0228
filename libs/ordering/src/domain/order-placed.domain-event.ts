import type { DomainEvent } from '@tessera/shared-kernel';
import { Money } from '@tessera/shared-kernel';
import { OrderLine, OrderLineJson } from './order-line.value-object';

/** The stream's data of OrderPlaced. */
export interface OrderPlacedData {
  userId: string;
  lines: OrderLineJson[];
  total: { amount: number; currency: string };
  expiresAt: string;
}

/** The first event of every order's stream: what was ordered, at which prices, and until when it can be paid. */
export class OrderPlacedDomainEvent implements DomainEvent<'OrderPlaced'> {
  readonly type = 'OrderPlaced' as const;

  constructor(
    readonly aggregateId: string,
    readonly version: number,
    readonly occurredAt: Date,
    readonly userId: string,
    readonly lines: readonly OrderLine[],
    readonly total: Money,
    readonly expiresAt: Date,
  ) {}

  static fromData(aggregateId: string, version: number, occurredAt: Date, data: OrderPlacedData): OrderPlacedDomainEvent {
    const lines = data.lines.map((line, index) => OrderLine.of(line, `lines.${index}`));
    return new OrderPlacedDomainEvent(
      aggregateId,
      version,
      occurredAt,
      data.userId,
      lines,
      Money.of(data.total.amount, data.total.currency, 'total'),
      new Date(data.expiresAt),
    );
  }

  toData(): OrderPlacedData {
    return {
      userId: this.userId,
      lines: this.lines.map((line) => line.toJSON()),
      total: this.total.toJSON(),
      expiresAt: this.expiresAt.toISOString(),
    };
  }
}

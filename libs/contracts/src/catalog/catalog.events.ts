import type { MoneyDto } from '../common/money.dto';

/** catalog.product.created (v1). */
export interface ProductCreatedEvent {
  productId: string;
  sku: string;
  price: MoneyDto;
  occurredAt: string;
}

/** catalog.product.updated (v1): carries the price, which is what consumers care about. */
export interface ProductUpdatedEvent {
  productId: string;
  price: MoneyDto;
  occurredAt: string;
}

/** catalog.stock.adjusted (v1). */
export interface StockAdjustedEvent {
  productId: string;
  delta: number;
  stock: number;
  occurredAt: string;
}

import type { IntegrationEventEnvelope } from '../common/integration-event';
import type { MoneyDto } from '../common/money.dto';

/** catalog.product.created (v1). */
export interface ProductCreatedEvent extends IntegrationEventEnvelope {
  productId: string;
  sku: string;
  price: MoneyDto;
}

/** catalog.product.updated (v1): carries the price, which is what consumers care about. */
export interface ProductUpdatedEvent extends IntegrationEventEnvelope {
  productId: string;
  price: MoneyDto;
}

/** catalog.stock.adjusted (v1). */
export interface StockAdjustedEvent extends IntegrationEventEnvelope {
  productId: string;
  delta: number;
  stock: number;
}

/**
 * catalog.reservation.expired (v1): a reservation was neither committed nor
 * released within its hold, so the catalog released it itself and its units
 * are back in stock. `reservationId` is the order's id.
 */
export interface ReservationExpiredEvent extends IntegrationEventEnvelope {
  reservationId: string;
  lines: { productId: string; quantity: number }[];
}

/**
 * catalog.reservation.released (v1): a reservation was released on request
 * (an order cancelled, refunded, or given up by the caller that reserved) and
 * its units are back in stock. `reservationId` is the order's id. Published
 * once, by the release that moved the units; a release asked again changes
 * nothing and publishes nothing.
 */
export interface ReservationReleasedEvent extends IntegrationEventEnvelope {
  reservationId: string;
  lines: { productId: string; quantity: number }[];
}

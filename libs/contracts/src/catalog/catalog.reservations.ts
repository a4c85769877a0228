import type { MoneyDto } from '../common/money.dto';

export type ReservationStatus = 'RESERVED' | 'COMMITTED' | 'RELEASED';

/**
 * catalog.reserve-stock (v1): takes every line out of available stock at
 * once, or none (INSUFFICIENT_STOCK or PRODUCT_NOT_FOUND, with `details.productId`).
 * Idempotent by reservationId: the same id answers the reservation it made.
 */
export interface ReserveStockRequest {
  reservationId: string;
  lines: { productId: string; quantity: number }[];
}

/** A reserved line, priced and named by the catalog at the moment of reservation. */
export interface ReservedLine {
  productId: string;
  sku: string;
  name: string;
  unitPrice: MoneyDto;
  quantity: number;
}

/** A reservation and what it holds. */
export interface ReservationView {
  reservationId: string;
  status: ReservationStatus;
  lines: ReservedLine[];
}

/** catalog.commit-reservation (v1): the reserved units are sold. Idempotent; RESERVATION_NOT_FOUND if unknown. */
export interface CommitReservationRequest {
  reservationId: string;
}

/**
 * catalog.release-reservation (v1): the reserved (or sold, for a refunded
 * order) units return to available stock, once. Idempotent; releasing an
 * unknown reservation is not an error, so a compensation can always run.
 */
export interface ReleaseReservationRequest {
  reservationId: string;
}

import type { MoneyDto } from '../common/money.dto';

export type ReservationStatus = 'RESERVED' | 'COMMITTED' | 'RELEASED';

/** The longest a reservation's units may be held uncommitted (seven days): the bound of `holdSeconds`. */
export const MAX_RESERVATION_HOLD_SECONDS = 604_800;

/**
 * catalog.reserve-stock (v1): takes every line out of available stock at
 * once, or none (INSUFFICIENT_STOCK or PRODUCT_NOT_FOUND, with `details.productId`).
 * Idempotent by reservationId: the same id answers the reservation it made,
 * with the expiry it got then. A reservation still RESERVED when its hold
 * runs out is released by the catalog itself (its units go back to stock and
 * catalog.reservation.expired is published); a commit that comes after that
 * finds it RELEASED.
 */
export interface ReserveStockRequest {
  reservationId: string;
  lines: { productId: string; quantity: number }[];
  /**
   * How long the units are held uncommitted, in seconds: an integer from 1 to
   * MAX_RESERVATION_HOLD_SECONDS, 1800 when absent; anything else is VALIDATION_FAILED.
   * Ask for more than the time it may take to come back and commit.
   */
  holdSeconds?: number;
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

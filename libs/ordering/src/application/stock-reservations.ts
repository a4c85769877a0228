import { Injectable } from '@nestjs/common';
import { CATALOG_PATTERNS, CommitReservationRequest, ERROR_CODES, ReleaseReservationRequest, ReservationView, ReserveStockRequest } from '@tessera/contracts';
import { ContextClient, InjectContextClient } from '@tessera/messaging';
import { codeOf, passOn } from './remote-errors';

/** The catalog's answers to a reservation that mean nothing was reserved, passed on to the customer. */
const RESERVATION_REFUSALS: readonly string[] = [ERROR_CODES.INSUFFICIENT_STOCK, ERROR_CODES.PRODUCT_NOT_FOUND];

/** The stock an order holds in the catalog, under the order's id as the reservation id. */
@Injectable()
export class StockReservations {
  constructor(@InjectContextClient('catalog') private readonly catalog: ContextClient) {}

  /**
   * Takes every line out of available stock at once, or none: INSUFFICIENT_STOCK
   * and PRODUCT_NOT_FOUND (with `details.productId`) are passed on as they come.
   * Answers the lines priced and named by the catalog. Asked again with the
   * same order id, answers the reservation made the first time, whatever it
   * holds now. The catalog releases the units by itself after `holdSeconds`
   * unless they were committed.
   */
  async reserve(orderId: string, lines: readonly { productId: string; quantity: number }[], holdSeconds: number): Promise<ReservationView> {
    try {
      return await this.catalog.send<ReservationView, ReserveStockRequest>(CATALOG_PATTERNS.RESERVE_STOCK, {
        reservationId: orderId,
        lines: lines.map(({ productId, quantity }) => ({ productId, quantity })),
        holdSeconds,
      });
    } catch (error) {
      throw passOn(error, RESERVATION_REFUSALS);
    }
  }

  /** The reserved units are sold. Idempotent. */
  async commit(orderId: string): Promise<void> {
    await this.catalog.send<unknown, CommitReservationRequest>(CATALOG_PATTERNS.COMMIT_RESERVATION, { reservationId: orderId });
  }

  /** The reserved (or sold) units go back to available stock, once; an unknown reservation is fine. */
  async release(orderId: string): Promise<void> {
    await this.catalog.send<unknown, ReleaseReservationRequest>(CATALOG_PATTERNS.RELEASE_RESERVATION, { reservationId: orderId });
  }

  /**
   * Whether a failed reservation certainly reserved nothing. A timeout or an
   * unexpected failure leaves it unknown (the catalog may have reserved and
   * its answer been lost), so the reservation must be released to be sure.
   */
  static reservedNothing(error: unknown): boolean {
    const code = codeOf(error);
    return code !== undefined && [...RESERVATION_REFUSALS, ERROR_CODES.VALIDATION_FAILED].includes(code);
  }
}

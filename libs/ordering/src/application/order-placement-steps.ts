import { Inject, Injectable, Logger } from '@nestjs/common';
import { ERROR_CODES, type OrderView, type ReservationView } from '@tessera/contracts';
import { errorOutcome, resultOutcome, wasNeverDelivered } from '@tessera/messaging';
import { DomainError, faultPoint, ValidationError } from '@tessera/shared-kernel';
import { Order, type OrderSnapshot } from '../domain/order.aggregate';
import type { OrderLineInput } from '../domain/order-line.value-object';
import { ORDER_REPOSITORY, type OrderRepository } from '../domain/order.repository';
import { ORDER_PLACEMENT_REPOSITORY, type OrderPlacement, type OrderPlacementRepository } from './order-placements';
import { OrderViewMapper } from './order-view.mapper';
import { OrderingSettings } from './ordering.settings';
import { messageOf } from './remote-errors';
import { StockReservations } from './stock-reservations';

/**
 * The steps of placing an order once its intent is stored (ADR 0005), the
 * same for the customer's request and for recovery after a crash:
 * 1. reserve the stock in the catalog under the order's id (asked again, the
 *    catalog answers the reservation it made, and takes nothing twice);
 * 2. store the order, end the placement and record the key's outcome, in
 *    one transaction.
 * A refusal (INSUFFICIENT_STOCK, PRODUCT_NOT_FOUND) ends the placement with
 * it. Any other failure gives the placement up: it is marked COMPENSATING,
 * so that nobody completes it any more, and its reservation is released.
 * The hold asked of the catalog and the order's expiry both come from the
 * payment timeout the placement was begun with, so that an attempt made
 * after the setting grew places no order that outlives its stock.
 */
@Injectable()
export class OrderPlacementSteps {
  private readonly logger = new Logger('Ordering');

  constructor(
    @Inject(ORDER_PLACEMENT_REPOSITORY) private readonly placements: OrderPlacementRepository,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    private readonly reservations: StockReservations,
    private readonly settings: OrderingSettings,
  ) {}

  /** Carries a PLACING placement through to its order, or to the refusal or failure it meets (thrown). */
  async carryOut(placement: OrderPlacement): Promise<OrderView> {
    const paymentTimeoutSeconds = this.paymentTimeoutOf(placement);
    let reservation: ReservationView;
    try {
      reservation = await this.reservations.reserve(placement.orderId, placement.lines, this.settings.reservationHoldSecondsFor(paymentTimeoutSeconds));
    } catch (error) {
      if (StockReservations.reservedNothing(error)) {
        // Killed after this commit: the refusal is the key's answer; nothing was reserved.
        if (await this.placements.refuse(placement.orderId, errorOutcome(error as DomainError))) throw error;
        return this.answerOfEndedPlacement(placement.orderId, false);
      }
      await this.giveUp(placement, error);
      throw error;
    }
    // Killed here: the stock is reserved and no order holds it. The placement is still PLACING, so recovery asks the
    // catalog again (which answers this reservation) and stores the order; or, too late for that, releases the stock.
    faultPoint('place-order:after-reserve');

    let order: Order;
    try {
      order = placeFromReservation(placement, reservation, paymentTimeoutSeconds);
    } catch (error) {
      await this.giveUp(placement, error);
      throw error;
    }
    const view = OrderViewMapper.toView(order.toSnapshot());
    let completed: boolean;
    try {
      completed = await this.placements.complete(order, resultOutcome(view));
    } catch (error) {
      await this.giveUp(placement, error);
      throw error;
    }
    // Killed here: the order, its ordering.order.placed event and the key's answer are committed together; a retry
    // with the key replays the order, and the order expires (releasing its stock) if it is never paid.
    faultPoint('place-order:after-store');
    return completed ? view : this.answerOfEndedPlacement(placement.orderId, true);
  }

  /** ORDER_PAYMENT_TIMEOUT_SECONDS as the placement was begun with it; the setting of now for one begun without it. */
  paymentTimeoutOf(placement: OrderPlacement): number {
    return placement.paymentTimeoutSeconds ?? this.settings.paymentTimeoutSeconds;
  }

  /**
   * Gives a placement up and releases what it may hold. The placement is
   * COMPENSATING before the catalog is asked, so that no completion can
   * follow the release; if the release fails, recovery asks again. One that
   * another attempt ended first is released too, unless it was placed.
   */
  async giveUp(placement: OrderPlacement, cause: unknown): Promise<void> {
    let releaser = 'recovery';
    try {
      // A reservation that never reached the catalog (nobody listening, its circuit open) reserved nothing, and
      // nothing of this placement can complete any more: the key is free at once for the client's retry, which runs
      // as a new placement, rather than answering IDEMPOTENCY_KEY_IN_USE until recovery has released nothing.
      if (await this.placements.giveUp(placement.orderId, { forgetKey: wasNeverDelivered(cause) })) {
        // Killed here: the placement is COMPENSATING (its key forgotten with it, if it was); recovery releases the
        // reservation and abandons it.
        faultPoint('place-order:after-give-up');
        await this.releaseAndAbandon(placement.orderId);
        return;
      }
      // Another attempt ended it first, and this one may have reserved all the same (a reply that timed out).
      releaser = "the catalog's hold";
      await this.releaseUnlessPlaced(placement.orderId);
    } catch (error) {
      this.logger.warn(`Placing order ${placement.orderId} failed (${messageOf(cause)}); releasing its stock is left to ${releaser}: ${messageOf(error)}`);
    }
  }

  /** The last step of a given-up placement: its reservation released (once, whoever asks), then nothing of it is kept. */
  async releaseAndAbandon(orderId: string): Promise<void> {
    await this.reservations.release(orderId);
    // Killed here: still COMPENSATING; recovery releases again, which the catalog answers without returning stock twice.
    await this.placements.abandon(orderId);
  }

  /**
   * What an attempt answers when another request or recovery ended the
   * placement first: its order, if it was placed; otherwise the caller may
   * retry, and an attempt that reserved has released what it reserved.
   */
  private async answerOfEndedPlacement(orderId: string, reserved: boolean): Promise<OrderView> {
    const placed = reserved ? await this.releaseUnlessPlaced(orderId) : await this.orders.findSnapshot(orderId);
    if (placed) return OrderViewMapper.toView(placed);
    throw new DomainError(ERROR_CODES.CONCURRENT_MODIFICATION, 'The order was being placed by another attempt that did not place it; retry');
  }

  /**
   * For an attempt that may hold a reservation when its placement is no
   * longer PLACING (another attempt ended it, or is giving it up): the order,
   * if one was placed, which the reservation is then for; otherwise no order
   * can be placed any more, and the reservation, which would hold units for
   * nothing, is released (once, whoever asks: the compensation may ask too).
   * A refusal does not spend the reservation id, so a slow attempt can reserve
   * after another one's refusal ended the placement, once stock came back.
   */
  private async releaseUnlessPlaced(orderId: string): Promise<OrderSnapshot | null> {
    const placed = await this.orders.findSnapshot(orderId);
    if (placed) return placed;
    // Killed before the catalog releases it: nothing in ordering knows of this reservation any more, so its units stay
    // RESERVED until the catalog's hold runs out and it releases them itself (catalog.reservation.expired, which
    // ordering ignores for an order it does not have). Killed after: nothing is left, and the caller gets no answer.
    await this.reservations.release(orderId);
    return null;
  }
}

/**
 * The order, priced by the reservation, placed as of when the customer asked.
 * A reservation that does not hold exactly what was asked for, or no longer
 * holds it, is a broken contract, not the customer's mistake: it fails as an
 * unexpected error (INTERNAL), and the placement is given up.
 */
function placeFromReservation(placement: OrderPlacement, reservation: ReservationView, paymentTimeoutSeconds: number): Order {
  const { orderId } = placement;
  if (reservation?.status !== 'RESERVED') throw new Error(`Reservation ${orderId} is ${reservation?.status}, not RESERVED`);
  const reserved = new Map((reservation.lines ?? []).map((line) => [String(line.productId).toLowerCase(), line]));
  const lines: OrderLineInput[] = placement.lines.map((wanted) => {
    const line = reserved.get(wanted.productId);
    if (!line || line.quantity !== wanted.quantity || reserved.size !== placement.lines.length) {
      throw new Error(`Reservation ${orderId} does not hold what the order asked for`);
    }
    return { productId: wanted.productId, sku: line.sku, name: line.name, unitPrice: line.unitPrice, quantity: line.quantity };
  });
  try {
    return Order.place({ id: orderId, userId: placement.userId, lines, paymentTimeoutSeconds, now: placement.createdAt });
  } catch (error) {
    if (error instanceof ValidationError) throw new Error(`Reservation ${orderId} holds lines an order cannot: ${error.message}`, { cause: error });
    throw error;
  }
}

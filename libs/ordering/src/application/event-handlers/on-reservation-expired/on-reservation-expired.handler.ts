import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ReservationExpiredEvent } from '@tessera/contracts';
import { Inbox, Outbox } from '@tessera/messaging';
import { type JoinedTransaction, retryOnVersionConflict } from '@tessera/shared-kernel';
import { isUuid } from '../../../domain/order-id';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { Clock } from '../../clock';

/** The inbox's name for this consumer. */
export const ON_RESERVATION_EXPIRED_CONSUMER = 'ordering.on-reservation-expired';

/**
 * catalog.reservation.expired: the catalog gave an order's stock back because
 * nobody committed or released it in time (it holds units longer than an
 * order waits for its payment, so this follows a crash or an outage). An
 * order still awaiting payment is expired here, once, in the inbox's
 * transaction, as the sweeper would: paid, it would be sold without stock.
 * It is normally past its time; one that is not is expired all the same, and
 * logged as an error, since its hold ran out first. The release the expiry
 * would ask for has happened. A confirmed order that lost its stock is logged
 * as an error for a person: its commit did not reach the catalog within the
 * grace of the hold.
 */
@Injectable()
export class OnReservationExpiredHandler {
  private readonly logger = new Logger('Ordering');

  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  async execute(event: ReservationExpiredEvent): Promise<void> {
    if (!isUuid(event?.reservationId)) {
      this.logger.warn(`Ignored a catalog.reservation.expired event without a usable reservationId (event ${event?.eventId})`);
      return;
    }
    const processed = await retryOnVersionConflict(() =>
      this.inbox.processOnce(event, ON_RESERVATION_EXPIRED_CONSUMER, (transaction) => this.apply(event.reservationId, transaction)),
    );
    if (processed) this.outbox.flush(processed);
  }

  private async apply(orderId: string, transaction: JoinedTransaction): Promise<void> {
    const order = await this.orders.load(orderId, transaction);
    if (!order || order.status === 'CANCELLED') return;
    if (order.status === 'CONFIRMED') {
      this.logger.error(`Order ${orderId} is paid, but the catalog released its stock as never committed: it needs a person`);
      return;
    }
    const now = this.clock.now();
    const pastDue = order.isPastDue(now);
    if (!order.expireForLostStock(now)) return;
    await this.orders.save(order, transaction);
    if (!pastDue) this.logger.error(`The catalog released the stock of order ${orderId} before the order's time to pay was over: the order is expired`);
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PaymentSucceededEvent } from '@tessera/contracts';
import { Inbox, Outbox } from '@tessera/messaging';
import { type JoinedTransaction, retryOnVersionConflict } from '@tessera/shared-kernel';
import { isUuid } from '../../../domain/order-id';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { Clock } from '../../clock';
import { followUp } from '../../follow-up';
import { PaymentRefunds } from '../../payment-refunds';
import { StockReservations } from '../../stock-reservations';
import { RecentConfirmations } from '../../recent-confirmations';

/** The inbox's name for this consumer: a redelivered event is dropped per (eventId, consumer). */
export const ON_PAYMENT_SUCCEEDED_CONSUMER = 'ordering.on-payment-succeeded';

/** What the event did to the order, and so what other contexts must do after the commit. */
type Outcome = 'confirmed' | 'already-confirmed' | 'expired' | 'cancelled' | 'paid-by-another' | 'unknown-order';

/**
 * payments.payment.succeeded, the recovery path of ordering.confirm-payment
 * (which payments calls right after the charge): confirms the order if that
 * has not happened yet, and commits its stock. When this process has just
 * confirmed the order with this payment (RecentConfirmations), or the
 * order's projection says it is so, as it nearly always is, that is all: the confirmation committed its stock, and a redelivery finds
 * the same. If the order was cancelled
 * meanwhile, or its time to pay is over (it is expired here, and its stock
 * released), the charge is not kept: payments is asked to refund it.
 *
 * The change of the order happens once per event, in the inbox's
 * transaction; the calls to other contexts follow its commit. A refund that
 * fails fails the handling, so that the event comes again: the inbox then
 * drops the change, but the refund, idempotent at payments, is asked again
 * for as long as the order is cancelled.
 */
@Injectable()
export class OnPaymentSucceededHandler {
  private readonly logger = new Logger('Ordering');

  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    private readonly reservations: StockReservations,
    private readonly refunds: PaymentRefunds,
    private readonly clock: Clock,
    private readonly recentConfirmations: RecentConfirmations = new RecentConfirmations(),
  ) {}

  async execute(event: PaymentSucceededEvent): Promise<void> {
    if (!isUuid(event?.orderId) || typeof event.paymentId !== 'string' || event.paymentId.length === 0) {
      this.logger.warn(`Ignored a payments.payment.succeeded event without a usable orderId and paymentId (event ${event?.eventId})`);
      return;
    }
    if (this.recentConfirmations.confirmed(event.orderId, event.paymentId)) return;
    const current = await this.orders.findSnapshot(event.orderId);
    if (current?.status === 'CONFIRMED' && current.paymentId === event.paymentId) return;
    let outcome = 'unknown-order' as Outcome;
    const processed = await retryOnVersionConflict(() =>
      this.inbox.processOnce(event, ON_PAYMENT_SUCCEEDED_CONSUMER, async (transaction) => {
        outcome = await this.apply(event, transaction);
      }),
    );
    if (processed) {
      this.outbox.flush(processed);
    } else {
      // Read, not loaded: a decision without a write must not rest on what this process remembers (ADR 0016).
      const order = await this.orders.findSnapshot(event.orderId);
      outcome = order?.status === 'CANCELLED' ? 'cancelled' : 'already-confirmed';
    }

    const { orderId, paymentId } = event;
    switch (outcome) {
      case 'confirmed':
        await followUp(this.logger, `Committing the stock of confirmed order ${orderId}`, () => this.reservations.commit(orderId));
        break;
      case 'expired':
        await followUp(this.logger, `Releasing the stock of expired order ${orderId}`, () => this.reservations.release(orderId));
        await this.refunds.refund(orderId);
        break;
      case 'cancelled':
        await this.refunds.refund(orderId);
        break;
      case 'paid-by-another':
        // Refunding by order would hit the payment that did confirm it; payments allows one successful charge per order.
        this.logger.error(`Payment ${paymentId} succeeded for order ${orderId}, which another payment confirmed`);
        break;
      case 'unknown-order':
        this.logger.warn(`Payment ${paymentId} succeeded for order ${orderId}, which does not exist`);
        break;
      case 'already-confirmed':
        break;
    }
  }

  private async apply(event: PaymentSucceededEvent, transaction: JoinedTransaction): Promise<Outcome> {
    const order = await this.orders.load(event.orderId, transaction);
    if (!order) return 'unknown-order';
    const now = this.clock.now();
    if (order.expire(now)) {
      await this.orders.save(order, transaction);
      return 'expired';
    }
    if (order.status === 'CANCELLED') return 'cancelled';
    if (order.status === 'CONFIRMED') return order.paymentId === event.paymentId ? 'already-confirmed' : 'paid-by-another';
    order.confirm(event.paymentId, now);
    await this.orders.save(order, transaction);
    return 'confirmed';
  }
}

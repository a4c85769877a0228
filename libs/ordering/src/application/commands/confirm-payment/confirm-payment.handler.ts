import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OrderView } from '@tessera/contracts';
import { faultPoint, HeldEvents, retryOnVersionConflict } from '@tessera/shared-kernel';
import type { Order } from '../../../domain/order.aggregate';
import { OrderNotPayableError } from '../../../domain/order.errors';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { Clock } from '../../clock';
import { loadOrder } from '../../find-order';
import { followUp } from '../../follow-up';
import { OrderViewMapper } from '../../order-view.mapper';
import { StockReservations } from '../../stock-reservations';
import { ConfirmPaymentCommand } from './confirm-payment.command';
import { RecentConfirmations } from '../../recent-confirmations';

/**
 * ordering.confirm-payment, called by payments after a successful charge:
 * the order is CONFIRMED (idempotent for the same payment, also once the
 * order it confirmed is cancelled) and, once that is stored with
 * ordering.order.confirmed, its reservation committed. An order
 * whose time to pay is over but that the sweeper has not reached yet is
 * expired first (and its stock released). ORDER_NOT_PAYABLE when it was
 * cancelled unpaid, expired or paid by another payment: payments then refunds the charge.
 */
@Injectable()
export class ConfirmPaymentHandler {
  private readonly logger = new Logger('Ordering');

  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    private readonly reservations: StockReservations,
    private readonly clock: Clock,
    private readonly recentConfirmations: RecentConfirmations = new RecentConfirmations(),
  ) {}

  async execute(command: ConfirmPaymentCommand): Promise<OrderView> {
    const held = new HeldEvents();
    const outcome = await retryOnVersionConflict(async (): Promise<{ order: Order; change: 'expired' | 'confirmed' | 'none' }> => {
      const order = await loadOrder(this.orders, command.orderId);
      const now = this.clock.now();
      if (order.expire(now)) {
        await this.orders.save(order);
        return { order, change: 'expired' };
      }
      const confirmed = order.confirm(command.paymentId, now);
      // ordering.order.confirmed waits until the stock is committed below: published at the commit, its handler in
      // catalog would race that commit.
      if (confirmed) await this.orders.save(order, undefined, held);
      return { order, change: confirmed ? 'confirmed' : 'none' };
    });

    const { order } = outcome;
    // Killed here: the confirmation (or expiry) and its event are committed together; ordering.order.confirmed, held but
    // in the outbox (ADR 0007), has the catalog commit the stock (ordering.order.cancelled: release it), whoever relays
    // it and whenever.
    faultPoint('confirm-payment:after-store');
    if (outcome.change === 'expired') {
      await followUp(this.logger, `Releasing the stock of expired order ${order.id}`, () => this.reservations.release(order.id));
      throw new OrderNotPayableError('its time to pay is over');
    }
    // Confirmed by this payment and cancelled since: the confirmation stands, and the stock is the cancellation's to release.
    if (order.status === 'CANCELLED') return OrderViewMapper.toView(order.toSnapshot());
    if (order.status === 'CONFIRMED' && order.paymentId === command.paymentId) this.recentConfirmations.record(order.id, command.paymentId);
    // Committing again after a repeated confirmation is harmless and repairs a commit that failed the first time.
    await followUp(this.logger, `Committing the stock of confirmed order ${order.id}`, () => this.reservations.commit(order.id));
    held.release();
    return OrderViewMapper.toView(order.toSnapshot());
  }
}

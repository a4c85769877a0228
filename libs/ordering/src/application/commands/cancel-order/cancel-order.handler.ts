import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OrderView } from '@tessera/contracts';
import { faultPoint, retryOnVersionConflict } from '@tessera/shared-kernel';
import type { RequestedCancellation } from '../../../domain/order.aggregate';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { Clock } from '../../clock';
import { loadOrderFor } from '../../find-order';
import { followUp } from '../../follow-up';
import { OrderViewMapper } from '../../order-view.mapper';
import { PaymentRefunds } from '../../payment-refunds';
import { StockReservations } from '../../stock-reservations';
import { CancelOrderCommand } from './cancel-order.command';

/**
 * ordering.cancel-order: by its owner (CANCELLED_BY_CUSTOMER) or an admin
 * (CANCELLED_BY_ADMIN), awaiting payment or paid; ORDER_NOT_CANCELLABLE once
 * cancelled; ORDER_NOT_FOUND for someone else's order. Once the cancellation
 * is stored (with ordering.order.cancelled), the stock is released and a paid
 * order refunded.
 */
@Injectable()
export class CancelOrderHandler {
  private readonly logger = new Logger('Ordering');

  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    private readonly reservations: StockReservations,
    private readonly refunds: PaymentRefunds,
    private readonly clock: Clock,
  ) {}

  async execute(command: CancelOrderCommand): Promise<OrderView> {
    const reason: RequestedCancellation = command.requester?.isAdmin === true ? 'CANCELLED_BY_ADMIN' : 'CANCELLED_BY_CUSTOMER';
    const { order, wasPaid } = await retryOnVersionConflict(async () => {
      const order = await loadOrderFor(this.orders, command.orderId, command.requester);
      const wasPaid = order.status === 'CONFIRMED';
      order.cancel(reason, this.clock.now());
      await this.orders.save(order);
      return { order, wasPaid };
    });
    // Killed here: the cancellation and ordering.order.cancelled are committed together; the event has the catalog
    // release the stock and payments refund the charge, whoever relays it and whenever.
    faultPoint('cancel-order:after-store');
    await followUp(this.logger, `Releasing the stock of cancelled order ${order.id}`, () => this.reservations.release(order.id));
    if (wasPaid) await followUp(this.logger, `Refunding cancelled order ${order.id}`, () => this.refunds.refund(order.id));
    return OrderViewMapper.toView(order.toSnapshot());
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { faultPoint, retryOnVersionConflict } from '@tessera/shared-kernel';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { Clock } from '../../clock';
import { followUp } from '../../follow-up';
import { messageOf } from '../../remote-errors';
import { StockReservations } from '../../stock-reservations';
import { ExpireDueOrdersCommand } from './expire-due-orders.command';

/**
 * A round of the expiry sweeper: every order still awaiting payment past its
 * expiresAt is cancelled with PAYMENT_EXPIRED (ordering.order.cancelled goes
 * with it), and after that is stored its stock is released. Each expiry is an
 * append over the version that was loaded, so when two sweepers, or a sweeper
 * and a payment, reach one order, one of them changes it and the other finds
 * it changed and leaves it. Answers how many orders this round expired.
 */
@Injectable()
export class ExpireDueOrdersHandler {
  private readonly logger = new Logger('Ordering');

  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    private readonly reservations: StockReservations,
    private readonly clock: Clock,
  ) {}

  async execute(command: ExpireDueOrdersCommand): Promise<number> {
    const due = await this.orders.findDueForExpiry(this.clock.now(), command.limit);
    let expired = 0;
    for (const orderId of due) {
      try {
        if (await this.expire(orderId)) expired++;
      } catch (error) {
        // One order that cannot be expired now must not hold up the others; the next round tries it again.
        this.logger.error(`Expiring order ${orderId} failed: ${messageOf(error)}`);
      }
    }
    return expired;
  }

  private async expire(orderId: string): Promise<boolean> {
    const expired = await retryOnVersionConflict(async () => {
      const order = await this.orders.load(orderId);
      if (!order?.expire(this.clock.now())) return false;
      await this.orders.save(order);
      return true;
    });
    if (!expired) return false;
    // Killed here: the expiry and ordering.order.cancelled are committed together; the event has the stock released.
    faultPoint('expire-order:after-store');
    await followUp(this.logger, `Releasing the stock of expired order ${orderId}`, () => this.reservations.release(orderId));
    return true;
  }
}

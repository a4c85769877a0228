import { Injectable } from '@nestjs/common';
import type { OrderCancelledEvent } from '@tessera/contracts';
import { RefundOrderCommand } from '../../commands/refund-order/refund-order.command';
import { RefundOrderHandler } from '../../commands/refund-order/refund-order.handler';

/**
 * ordering.order.cancelled: refunds what was charged for the order (the
 * recovery path of the refund ordering asks for synchronously when it cancels).
 * Needs no inbox: a refund asked again gives nothing back twice, so a
 * redelivery costs one read, and a failed refund fails the delivery, which
 * comes again.
 */
@Injectable()
export class OnOrderCancelledHandler {
  constructor(private readonly refundOrder: RefundOrderHandler) {}

  async execute(event: OrderCancelledEvent): Promise<void> {
    await this.refundOrder.execute(new RefundOrderCommand(event.orderId));
  }
}

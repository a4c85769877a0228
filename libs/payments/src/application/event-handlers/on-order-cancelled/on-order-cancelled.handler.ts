import { Injectable } from '@nestjs/common';
import type { OrderCancelledEvent } from '@tessera/contracts';
import { Inbox } from '@tessera/messaging';
import { RefundOrderCommand } from '../../commands/refund-order/refund-order.command';
import { RefundOrderHandler } from '../../commands/refund-order/refund-order.handler';

/** The consumer name of payments in every inbox. */
export const PAYMENTS_CONSUMER = 'payments';

/**
 * ordering.order.cancelled: refunds what was charged for the order (the
 * recovery path of the refund ordering asks for synchronously when it cancels).
 */
@Injectable()
export class OnOrderCancelledHandler {
  constructor(
    private readonly refundOrder: RefundOrderHandler,
    private readonly inbox: Inbox,
  ) {}

  async execute(event: OrderCancelledEvent): Promise<void> {
    // The refund asks the provider, which must never happen inside the inbox's transaction (the embedded database has
    // one connection). So it runs first, on its own: it is safe to repeat, and a failure leaves the event unrecorded,
    // to be delivered again. The inbox then records the delivery, in a transaction that holds nothing else.
    await this.refundOrder.execute(new RefundOrderCommand(event.orderId));
    await this.inbox.processOnce(event, PAYMENTS_CONSUMER, async () => undefined);
  }
}

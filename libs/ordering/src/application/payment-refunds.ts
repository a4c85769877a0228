import { Injectable } from '@nestjs/common';
import { PAYMENTS_PATTERNS, RefundOrderRequest } from '@tessera/contracts';
import { ContextClient, InjectContextClient } from '@tessera/messaging';

/** Asks payments to give back what an order was charged. */
@Injectable()
export class PaymentRefunds {
  constructor(@InjectContextClient('payments') private readonly payments: ContextClient) {}

  /** Refunds the order's successful charge, once; nothing to refund is not an error. */
  async refund(orderId: string): Promise<void> {
    await this.payments.send<unknown, RefundOrderRequest>(PAYMENTS_PATTERNS.REFUND_ORDER, { orderId });
  }
}

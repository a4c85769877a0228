import { Inject, Injectable } from '@nestjs/common';
import { Payment } from '../../../domain/payment.aggregate';
import { PAYMENT_PROVIDER, type PaymentProvider } from '../../../domain/payment.provider';
import { PAYMENT_REPOSITORY, type PaymentRepository } from '../../../domain/payment.repository';
import { refundPayment } from '../../refund-payment';
import { asDomainError } from '../../remote-errors';
import { RefundOrderCommand } from './refund-order.command';

/**
 * The reply of payments.refund-order: the payment this call refunded, or null
 * when the order had nothing (left) to refund.
 */
export interface RefundOrderReply {
  orderId: string;
  refundedPaymentId: string | null;
}

/**
 * payments.refund-order: refunds the order's SUCCEEDED payment at the
 * provider, then stores it REFUNDED with payments.payment.refunded in its
 * outbox. Safe to repeat and to run concurrently: the money goes back once.
 * An order without a succeeded payment (never paid, declined, already
 * refunded, or a malformed id) is not an error. A payment still PENDING is
 * left alone: the request charging it refunds it itself when ordering refuses
 * the confirmation, and ordering asks again on its payments.payment.succeeded.
 */
@Injectable()
export class RefundOrderHandler {
  constructor(
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
  ) {}

  async execute(command: RefundOrderCommand): Promise<RefundOrderReply> {
    const orderId = String(command.orderId);
    const payment = Payment.isWellFormedId(orderId) ? await this.payments.findSucceededByOrderId(orderId.toLowerCase()) : null;
    try {
      const refunded = payment ? await refundPayment(this.payments, this.provider, payment.id) : null;
      return { orderId, refundedPaymentId: refunded?.id ?? null };
    } catch (error) {
      // A provider that did not answer is CONTEXT_UNAVAILABLE to ordering, whose event asks again once it answers.
      throw asDomainError(error);
    }
  }
}

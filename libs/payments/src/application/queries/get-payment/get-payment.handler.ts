import { Inject, Injectable } from '@nestjs/common';
import type { PaymentView } from '@tessera/contracts';
import { Payment } from '../../../domain/payment.aggregate';
import { PaymentNotFoundError } from '../../../domain/payment.errors';
import { PAYMENT_REPOSITORY, type PaymentRepository } from '../../../domain/payment.repository';
import { PaymentViewMapper } from '../../payment-view.mapper';
import { GetPaymentQuery } from './get-payment.query';

/**
 * payments.get-payment: the payment in whatever status it is, PENDING while
 * its charge is being settled; PAYMENT_NOT_FOUND for an unknown or malformed
 * id, and for another user's payment unless an admin asks.
 */
@Injectable()
export class GetPaymentHandler {
  constructor(@Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository) {}

  async execute(query: GetPaymentQuery): Promise<PaymentView> {
    const payment = Payment.isWellFormedId(query.paymentId) ? await this.payments.findById(query.paymentId.toLowerCase()) : null;
    if (!payment || !query.requester || !payment.isVisibleTo(query.requester)) throw new PaymentNotFoundError();
    return PaymentViewMapper.toView(payment);
  }
}

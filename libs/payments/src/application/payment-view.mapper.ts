import type { PaymentStatus, PaymentView } from '@tessera/contracts';
import type { Payment } from '../domain/payment.aggregate';

/** Turns a payment into the view every other context sees. */
export class PaymentViewMapper {
  static toView(payment: Payment): PaymentView {
    const view: PaymentView = {
      id: payment.id,
      orderId: payment.orderId,
      amount: payment.amount.toJSON(),
      status: payment.status as PaymentStatus,
      paymentMethod: payment.paymentMethod,
      createdAt: payment.createdAt.toISOString(),
    };
    if (payment.failureReason !== null) view.failureReason = payment.failureReason;
    return view;
  }
}

import { randomUUID } from 'node:crypto';
import { Money } from '@tessera/shared-kernel';
import { PayOrderHandler } from '../application/commands/pay-order/pay-order.handler';
import { RefundOrderHandler } from '../application/commands/refund-order/refund-order.handler';
import { ResolvePendingPaymentsHandler } from '../application/commands/resolve-pending-payments/resolve-pending-payments.handler';
import { OnOrderCancelledHandler } from '../application/event-handlers/on-order-cancelled/on-order-cancelled.handler';
import { OrderConfirmations } from '../application/order-confirmations';
import { GetPaymentHandler } from '../application/queries/get-payment/get-payment.handler';
import { Payment, PaymentState } from '../domain/payment.aggregate';
import { PaymentMethod } from '../domain/payment-method.value-object';
import { TestPaymentProvider } from '../infrastructure/provider/test-payment.provider';
import { FakeOrderingClient } from './fake-ordering.client';
import { InMemoryPaymentRepository } from './in-memory-payment.repository';
import { RecordingPaymentProvider } from './recording-payment.provider';
import { FakeIdempotencyStore } from '@tessera/messaging/testing';

/** Every payments handler wired to in-memory collaborators. */
export function paymentsTestKit() {
  const idempotency = new FakeIdempotencyStore();
  const payments = new InMemoryPaymentRepository(idempotency);
  const provider = new RecordingPaymentProvider();
  const ordering = new FakeOrderingClient();
  const refundOrder = new RefundOrderHandler(payments, provider);
  const confirmations = new OrderConfirmations(payments, provider, ordering.asClient(), idempotency.asStore());
  return {
    payments,
    provider,
    ordering,
    idempotency,
    payOrder: new PayOrderHandler(payments, provider, ordering.asClient(), idempotency.asStore(), confirmations),
    refundOrder,
    getPayment: new GetPaymentHandler(payments),
    resolvePendingPayments: new ResolvePendingPaymentsHandler(payments, provider, confirmations),
    onOrderCancelled: new OnOrderCancelledHandler(refundOrder),

    /** Stores a payment in the given state directly, as if made earlier; nothing is charged or published. */
    async givenPayment(
      options: { status?: PaymentState; orderId?: string; userId?: string; amount?: number; method?: string; at?: Date } = {},
    ): Promise<Payment> {
      const payment = Payment.create(
        {
          orderId: options.orderId ?? randomUUID(),
          userId: options.userId ?? randomUUID(),
          amount: Money.of(options.amount ?? 4200, 'USD'),
          paymentMethod: PaymentMethod.of(options.method ?? 'pm_card_visa'),
        },
        options.at,
      );
      const status = options.status ?? 'SUCCEEDED';
      if (status !== 'PENDING')
        payment.settle(
          status === 'FAILED'
            ? { outcome: 'declined', reason: 'card_declined' }
            : { outcome: 'succeeded', providerReference: TestPaymentProvider.referenceOf(payment.id) },
          options.at,
        );
      if (status === 'REFUNDED') payment.refund(options.at);
      await payments.given(payment);
      // A succeeded payment's charge is on the provider's ledger, so that refunding it gives money back.
      if (status === 'SUCCEEDED')
        await provider.charge({ paymentId: payment.id, amount: payment.amount, paymentMethod: PaymentMethod.of(payment.paymentMethod) });
      provider.chargeCalls.length = 0;
      return payment;
    },
  };
}

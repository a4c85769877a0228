import { retryOnVersionConflict } from '@tessera/shared-kernel';
import type { Payment } from '../domain/payment.aggregate';
import { PaymentProviderUnavailableError } from '../domain/payment.errors';
import type { PaymentProvider } from '../domain/payment.provider';
import type { PaymentRepository } from '../domain/payment.repository';
import { PaymentIntegrationEventMapper } from './payment-integration-event.mapper';

/**
 * Gives a succeeded payment's money back and records it REFUNDED with its
 * outbox event; answers the payment if this call refunded it, null if there
 * was nothing (left) to refund. It reads the payment afresh, so that a refund
 * stored meanwhile is seen, and asks the provider outside any transaction.
 * Two refunds racing may both ask the provider, which refunds a charge once
 * (PaymentProvider's contract); only one of them stores REFUNDED and its event.
 */
export async function refundPayment(payments: PaymentRepository, provider: PaymentProvider, paymentId: string): Promise<Payment | null> {
  return retryOnVersionConflict(async () => {
    const payment = await payments.findById(paymentId);
    if (!payment?.isRefundable) return null;
    try {
      await provider.refund({ providerReference: payment.providerReference!, amount: payment.amount });
    } catch (error) {
      // A provider throws when it does not answer (PaymentProvider); the payment stays SUCCEEDED, to be refunded when asked again.
      const reason = (error as Error)?.message ?? String(error);
      throw new PaymentProviderUnavailableError(`The payment provider did not answer the refund of payment ${payment.id}: ${reason}`, { cause: error });
    }
    payment.refund();
    await payments.save(payment, PaymentIntegrationEventMapper.toOutgoing(payment.pullEvents()));
    return payment;
  });
}

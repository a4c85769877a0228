import { Injectable } from '@nestjs/common';
import type { PaymentMethodId } from '../../domain/payment-method.value-object';
import type { ChargeOutcome, ChargeRequest, PaymentProvider, RefundRequest } from '../../domain/payment.provider';

const OUTCOMES: Record<PaymentMethodId, { outcome: 'succeeded' } | { outcome: 'declined'; reason: string }> = {
  pm_card_visa: { outcome: 'succeeded' },
  pm_card_mastercard: { outcome: 'succeeded' },
  pm_card_chargeDeclined: { outcome: 'declined', reason: 'card_declined' },
  pm_card_insufficientFunds: { outcome: 'declined', reason: 'insufficient_funds' },
};

/**
 * The built-in provider: Stripe-style test payment methods, answered by the
 * method alone, without a network or any state. The charge reference derives
 * from the payment id, so a repeated charge answers the same outcome and
 * reference, and a repeated refund gives nothing more back: the repeat-safety
 * the PaymentProvider port asks of every provider. A real provider plugs in
 * behind the same port (PAYMENT_PROVIDER in PaymentsModule).
 */
@Injectable()
export class TestPaymentProvider implements PaymentProvider {
  async charge({ paymentId, amount, paymentMethod }: ChargeRequest): Promise<ChargeOutcome> {
    if (amount.isNegative()) throw new RangeError(`Cannot charge a negative amount for payment ${paymentId}`);
    const outcome = OUTCOMES[paymentMethod.value];
    if (!outcome) throw new RangeError(`The test provider does not know the payment method ${paymentMethod.value}`);
    return outcome.outcome === 'succeeded' ? { outcome: 'succeeded', providerReference: TestPaymentProvider.referenceOf(paymentId) } : { ...outcome };
  }

  async refund({ providerReference, amount }: RefundRequest): Promise<void> {
    if (!providerReference.startsWith(REFERENCE_PREFIX)) throw new RangeError(`The test provider made no charge ${providerReference}`);
    if (amount.isNegative()) throw new RangeError(`Cannot refund a negative amount of ${providerReference}`);
  }

  /** The reference of the test charge of a payment. */
  static referenceOf(paymentId: string): string {
    return `${REFERENCE_PREFIX}${paymentId}`;
  }
}

const REFERENCE_PREFIX = 'test_ch_';

import { randomUUID } from 'node:crypto';
import { Money } from '@tessera/shared-kernel';
import { PaymentMethod } from '../../domain/payment-method.value-object';
import { TestPaymentProvider } from './test-payment.provider';

describe('TestPaymentProvider', () => {
  const provider = new TestPaymentProvider();
  const charge = (method: string, paymentId = randomUUID(), amount = 4200) =>
    provider.charge({ paymentId, amount: Money.of(amount, 'USD'), paymentMethod: PaymentMethod.of(method) });

  it.each(['pm_card_visa', 'pm_card_mastercard'])('charges %s, under a reference of the payment', async (method) => {
    const paymentId = randomUUID();
    await expect(charge(method, paymentId)).resolves.toEqual({ outcome: 'succeeded', providerReference: `test_ch_${paymentId}` });
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined'],
    ['pm_card_insufficientFunds', 'insufficient_funds'],
  ])('declines %s with %s', async (method, reason) => {
    await expect(charge(method)).resolves.toEqual({ outcome: 'declined', reason });
  });

  it('answers a repeated charge of one payment the same way, as the port requires', async () => {
    const paymentId = randomUUID();
    expect(await charge('pm_card_visa', paymentId)).toEqual(await charge('pm_card_visa', paymentId));
  });

  it('refunds its own charges, repeatedly without complaint', async () => {
    const paymentId = randomUUID();
    const outcome = await charge('pm_card_visa', paymentId);
    const providerReference = outcome.outcome === 'succeeded' ? outcome.providerReference : '';

    await expect(provider.refund({ providerReference, amount: Money.of(4200, 'USD') })).resolves.toBeUndefined();
    await expect(provider.refund({ providerReference, amount: Money.of(4200, 'USD') })).resolves.toBeUndefined();
  });

  it('refuses to refund a charge it never made', async () => {
    await expect(provider.refund({ providerReference: 'ch_live_123', amount: Money.of(1, 'USD') })).rejects.toThrow(RangeError);
  });

  it('refuses a negative amount', async () => {
    await expect(charge('pm_card_visa', randomUUID(), -5)).rejects.toThrow(RangeError);
  });
});

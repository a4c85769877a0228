import { ValidationError } from '@tessera/shared-kernel';
import { PAYMENT_METHODS, PaymentMethod } from './payment-method.value-object';

describe('PaymentMethod', () => {
  it.each(['pm_card_visa', 'pm_card_mastercard', 'pm_card_chargeDeclined', 'pm_card_insufficientFunds'])('takes the test method %s', (method) => {
    expect(PaymentMethod.of(method).value).toBe(method);
  });

  it('takes exactly the four Stripe-style test methods', () => {
    expect([...PAYMENT_METHODS].sort()).toEqual(['pm_card_chargeDeclined', 'pm_card_insufficientFunds', 'pm_card_mastercard', 'pm_card_visa']);
  });

  it.each(['pm_card_amex', 'PM_CARD_VISA', ' pm_card_visa', 'pm_card_visa ', '', 'tok_visa', 42, null, undefined, { value: 'pm_card_visa' }])(
    'refuses %j as VALIDATION_FAILED on paymentMethod',
    (method) => {
      let error: unknown;
      try {
        PaymentMethod.of(method);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', problems: [{ field: 'paymentMethod', message: expect.stringContaining('pm_card_visa') }] });
    },
  );
});

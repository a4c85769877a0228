import { ValidationError } from '@tessera/shared-kernel';

/**
 * The payment methods the shop takes: the Stripe-style test methods of the
 * built-in test provider. A real provider would widen this list (or check
 * methods itself) behind the same PaymentProvider port.
 */
export const PAYMENT_METHODS = ['pm_card_visa', 'pm_card_mastercard', 'pm_card_chargeDeclined', 'pm_card_insufficientFunds'] as const;
export type PaymentMethodId = (typeof PAYMENT_METHODS)[number];

/** How the customer pays: one of PAYMENT_METHODS, exactly as written. */
export class PaymentMethod {
  private constructor(readonly value: PaymentMethodId) {}

  static of(raw: unknown): PaymentMethod {
    if (typeof raw !== 'string' || !(PAYMENT_METHODS as readonly string[]).includes(raw)) {
      throw ValidationError.of('paymentMethod', `must be one of ${PAYMENT_METHODS.join(', ')}`);
    }
    return new PaymentMethod(raw as PaymentMethodId);
  }

  toString(): string {
    return this.value;
  }
}

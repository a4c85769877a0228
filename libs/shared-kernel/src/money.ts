import { ValidationError } from './domain-error';

export const SUPPORTED_CURRENCIES = ['USD'] as const;
export type Currency = (typeof SUPPORTED_CURRENCIES)[number];

/** An amount in integer minor units (cents) with its currency; never a float. */
export class Money {
  private constructor(
    readonly amount: number,
    readonly currency: Currency,
  ) {}

  static of(amount: number, currency: string, field = 'price'): Money {
    if (!Number.isSafeInteger(amount)) {
      throw ValidationError.of(`${field}.amount`, 'must be an integer number of minor units');
    }
    if (!(SUPPORTED_CURRENCIES as readonly string[]).includes(currency)) {
      throw ValidationError.of(`${field}.currency`, `must be one of ${SUPPORTED_CURRENCIES.join(', ')}`);
    }
    return new Money(amount, currency as Currency);
  }

  static zero(currency: Currency = 'USD'): Money {
    return new Money(0, currency);
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return Money.of(this.amount + other.amount, this.currency);
  }

  multiply(factor: number): Money {
    if (!Number.isSafeInteger(factor)) throw new RangeError('Money can only be multiplied by an integer');
    return Money.of(this.amount * factor, this.currency);
  }

  isNegative(): boolean {
    return this.amount < 0;
  }

  equals(other: Money): boolean {
    return this.amount === other.amount && this.currency === other.currency;
  }

  toJSON(): { amount: number; currency: Currency } {
    return { amount: this.amount, currency: this.currency };
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) {
      throw new RangeError(`Cannot combine ${this.currency} with ${other.currency}`);
    }
  }
}

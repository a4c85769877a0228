import { Money } from './money';
import { ValidationError } from './domain-error';

describe('Money', () => {
  it('adds amounts of one currency in minor units', () => {
    expect(Money.of(1999, 'USD').add(Money.of(1, 'USD')).toJSON()).toEqual({ amount: 2000, currency: 'USD' });
  });

  it('multiplies by a quantity without floating point drift', () => {
    expect(Money.of(1999, 'USD').multiply(3).amount).toBe(5997);
  });

  it('refuses fractional minor units', () => {
    expect(() => Money.of(10.5, 'USD')).toThrow(ValidationError);
  });

  it('refuses an unsupported currency', () => {
    expect(() => Money.of(100, 'XYZ')).toThrow(/currency/);
  });

  it('refuses to mix currencies', () => {
    const usd = Money.of(1, 'USD');
    const other = Object.assign(Object.create(Money.prototype), { amount: 1, currency: 'EUR' }) as Money;
    expect(() => usd.add(other)).toThrow(RangeError);
  });

  it('compares by value', () => {
    expect(Money.of(5, 'USD').equals(Money.of(5, 'USD'))).toBe(true);
    expect(Money.of(5, 'USD').equals(Money.of(6, 'USD'))).toBe(false);
  });
});

import { toSafeInteger } from './safe-integer';

describe('toSafeInteger', () => {
  it('reads a pg bigint string or an integer column exactly, beyond 32 bits and negative included', () => {
    expect(toSafeInteger('100000000000', 'shop.things.amount')).toBe(100_000_000_000);
    expect(toSafeInteger('-42', 'shop.things.amount')).toBe(-42);
    expect(toSafeInteger(7, 'shop.things.version')).toBe(7);
  });

  it('refuses what a number cannot hold exactly, naming the column', () => {
    expect(() => toSafeInteger('9007199254740993', 'shop.things.amount')).toThrow(
      new RangeError('shop.things.amount holds 9007199254740993, which is not a safe integer'),
    );
    expect(() => toSafeInteger('12.5', 'shop.things.amount')).toThrow(RangeError);
    expect(() => toSafeInteger('', 'shop.things.amount')).toThrow(RangeError);
    expect(() => toSafeInteger(1.5, 'shop.things.version')).toThrow('shop.things.version holds 1.5');
  });
});

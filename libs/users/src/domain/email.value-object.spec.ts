import { ValidationError } from '@tessera/shared-kernel';
import { Email } from './email.value-object';

describe('Email', () => {
  it('trims and lower-cases, so two spellings of one address are equal', () => {
    const email = Email.of('  Ada.Lovelace@Example.COM ');
    expect(email.value).toBe('ada.lovelace@example.com');
    expect(email.equals(Email.of('ada.lovelace@example.com'))).toBe(true);
  });

  it.each(['plus+tag@example.com', "o'brien@sub.example.co.uk", 'a@b.io', 'admin@shop.local'])('accepts %s', (raw) => {
    expect(Email.of(raw).value).toBe(raw.toLowerCase());
  });

  it.each([
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['no-at-sign', 'valid email'],
    ['two@@example.com', 'valid email'],
    ['spaces in@example.com', 'valid email'],
    ['user@localhost', 'valid email'],
    ['user@-example.com', 'valid email'],
    ['user@example..com', 'valid email'],
    ['user@exa_mple.com', 'valid email'],
    ['üser@example.com', 'valid email'],
  ])('refuses %j', (raw, message) => {
    expect(() => Email.of(raw)).toThrow(message);
  });

  it('refuses more than 254 characters and accepts exactly 254', () => {
    const local = 'a'.repeat(64);
    const exactly = `${local}@${'d'.repeat(61)}.${'e'.repeat(61)}.${'f'.repeat(61)}.com`;
    const over = `${local}@${'d'.repeat(62)}.${'e'.repeat(61)}.${'f'.repeat(61)}.com`;
    expect(Email.of(exactly).value).toHaveLength(254);
    expect(() => Email.of(over)).toThrow('at most 254');
  });

  it('refuses a local part over 64 characters', () => {
    expect(() => Email.of(`${'a'.repeat(65)}@example.com`)).toThrow('valid email');
  });

  it('refuses what is not a string, naming the field', () => {
    try {
      Email.of(42, 'newEmail');
      fail('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems).toEqual([{ field: 'newEmail', message: 'must be a string' }]);
    }
  });
});

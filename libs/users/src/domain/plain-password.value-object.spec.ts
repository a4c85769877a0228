import { inspect } from 'node:util';
import { PlainPassword } from './plain-password.value-object';

describe('PlainPassword', () => {
  it('takes 8 to 128 characters, spaces included', () => {
    expect(PlainPassword.of('12345678').reveal()).toBe('12345678');
    expect(PlainPassword.of(' 1234567').reveal()).toBe(' 1234567');
    expect(PlainPassword.of('p'.repeat(128)).reveal()).toHaveLength(128);
    expect(() => PlainPassword.of('1234567')).toThrow('8 to 128');
    expect(() => PlainPassword.of('p'.repeat(129))).toThrow('8 to 128');
  });

  it('refuses what is not a string', () => {
    expect(() => PlainPassword.of(12345678)).toThrow('must be a string');
  });

  it('never shows itself when logged or serialized', () => {
    const password = PlainPassword.of('hunter2hunter2');
    expect(`${password}`).toBe('[redacted]');
    expect(JSON.stringify({ password })).toBe('{"password":"[redacted]"}');
    expect(inspect({ password })).not.toContain('hunter2');
  });
});

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

  it.each([
    ['a trailing NUL', 'hunter2hunter2\u0000'],
    ['several trailing NULs', 'hunter2hunter2\u0000\u0000\u0000'],
    ['a NUL inside', 'hunter2\u0000hunter2'],
    ['a tab', 'hunter2\thunter2'],
    ['a line break', 'hunter2hunter2\n'],
    ['the unit separator', 'hunter2\u001fhunter2'],
    ['DEL', 'hunter2\u007fhunter2'],
    ['a C1 control', 'hunter2\u0085hunter2'],
    ['the last C1 control', 'hunter2\u009fhunter2'],
  ])('refuses a password with %s, naming the field', (_name, raw) => {
    expect(() => PlainPassword.of(raw)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', problems: [{ field: 'password', message: 'must not contain control characters' }] }),
    );
    expect(() => PlainPassword.of(raw, 'ADMIN_PASSWORD')).toThrow(
      expect.objectContaining({ problems: [{ field: 'ADMIN_PASSWORD', message: expect.any(String) }] }),
    );
  });

  it('refuses a lone surrogate, which has no UTF-8 form to hash', () => {
    for (const raw of ['hunter2hunter2\ud800', '\udc00hunter2hunter2']) {
      expect(() => PlainPassword.of(raw)).toThrow(expect.objectContaining({ problems: [{ field: 'password', message: 'must be well-formed Unicode text' }] }));
    }
  });

  it('takes the characters just outside the control ranges, and emoji', () => {
    for (const raw of ['hunter2 hunter2~', 'hunter2\u00a0hunter2', 'caf\u00e9 \ud83d\ude00 \u6771\u4eac']) {
      expect(PlainPassword.of(raw).reveal()).toBe(raw);
    }
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

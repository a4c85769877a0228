import { ValidationError } from '@tessera/shared-kernel';
import { UserName } from './user-name.value-object';

describe('UserName', () => {
  it('is trimmed', () => {
    expect(UserName.of('  Grace Hopper  ').value).toBe('Grace Hopper');
  });

  it('takes 1 to 100 characters, counted as a person counts them', () => {
    expect(UserName.of('X').value).toBe('X');
    expect(UserName.of('é'.repeat(100)).value).toHaveLength(100);
    expect(UserName.of('😀'.repeat(100)).value).toHaveLength(200);
    expect(() => UserName.of('a'.repeat(101))).toThrow('at most 100');
  });

  it('refuses an empty or blank name', () => {
    expect(() => UserName.of('')).toThrow(ValidationError);
    expect(() => UserName.of(' \t ')).toThrow('must not be empty');
  });

  it('refuses control characters, which Postgres text would refuse too', () => {
    expect(() => UserName.of('Ada\u0000')).toThrow('control characters');
    expect(() => UserName.of('Ada\nLovelace')).toThrow('control characters');
  });

  it('refuses what is not a string', () => {
    expect(() => UserName.of(null)).toThrow('must be a string');
  });
});

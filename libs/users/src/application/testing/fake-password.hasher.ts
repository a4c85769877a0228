import type { PasswordHasher } from '../../domain/password.hasher';

/** A fast, transparent PasswordHasher for tests, which counts what it was asked to do. */
export class FakePasswordHasher implements PasswordHasher {
  readonly calls: ('hash' | 'verify')[] = [];

  async hash(password: string): Promise<string> {
    this.calls.push('hash');
    return `fake-hash(${password})`;
  }

  async verify(password: string, hash: string): Promise<boolean> {
    this.calls.push('verify');
    return hash === `fake-hash(${password})`;
  }
}

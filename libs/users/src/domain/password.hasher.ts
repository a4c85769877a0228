/** Injection token of the PasswordHasher port. */
export const PASSWORD_HASHER = Symbol('PASSWORD_HASHER');

/**
 * Turns a password into a slow, salted, self-describing hash and checks a
 * password against one. Implementations must compare in constant time.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

import { ValidationError } from '@tessera/shared-kernel';

const MAX_LENGTH = 100;
// Control characters have no place in a display name, and Postgres text
// refuses NUL outright: refusing them here keeps bad input a 400, never a 500.
const CONTROL_CHARACTER = /\p{Cc}/u;

/** A user's display name: trimmed, 1..100 characters, no control characters. */
export class UserName {
  private constructor(readonly value: string) {}

  /** Throws ValidationError naming `field` when `raw` is not an acceptable name. */
  static of(raw: unknown, field = 'name'): UserName {
    if (typeof raw !== 'string') throw ValidationError.of(field, 'must be a string');
    const value = raw.trim();
    if (value.length === 0) throw ValidationError.of(field, 'must not be empty');
    // Counted in code points, as a person counts characters, not in UTF-16 units.
    if ([...value].length > MAX_LENGTH) throw ValidationError.of(field, `must be at most ${MAX_LENGTH} characters`);
    if (CONTROL_CHARACTER.test(value)) throw ValidationError.of(field, 'must not contain control characters');
    return new UserName(value);
  }

  equals(other: UserName): boolean {
    return this.value === other.value;
  }

  toString(): string {
    return this.value;
  }
}

import { ValidationError } from '@tessera/shared-kernel';

const MAX_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
// The WHATWG HTML "valid e-mail address" grammar, which browsers apply to
// <input type="email">, narrowed to require a dot in the domain as Joi's
// default does, so the gateway's and this context's rules agree.
const FORMAT = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** An email address, trimmed and lower-cased, so that two spellings of one address are equal. */
export class Email {
  private constructor(readonly value: string) {}

  /** Throws ValidationError naming `field` when `raw` is not a valid address. */
  static of(raw: unknown, field = 'email'): Email {
    if (typeof raw !== 'string') throw ValidationError.of(field, 'must be a string');
    const value = raw.trim().toLowerCase();
    if (value.length === 0) throw ValidationError.of(field, 'must not be empty');
    if (value.length > MAX_LENGTH) throw ValidationError.of(field, `must be at most ${MAX_LENGTH} characters`);
    if (!FORMAT.test(value) || value.indexOf('@') > MAX_LOCAL_PART_LENGTH) {
      throw ValidationError.of(field, 'must be a valid email address');
    }
    return new Email(value);
  }

  equals(other: Email): boolean {
    return this.value === other.value;
  }

  toString(): string {
    return this.value;
  }
}

import { ValidationError } from '@tessera/shared-kernel';

const MIN_LENGTH = 8;
const MAX_LENGTH = 128;
const REDACTED = '[redacted]';
// C0 controls, DEL and C1 controls: nobody types them, and a password is hashed
// as UTF-8 bytes by an HMAC that pads its key with zero bytes, so "secret\0"
// would be the same password as "secret".
// eslint-disable-next-line no-control-regex -- control characters are what it exists to find
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F-\u009F]/;
// A lone surrogate has no UTF-8 form: it would be hashed as U+FFFD, the same as any other.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A password as the user typed it, checked against the password rule. It
 * lives only until it is hashed, and prints as "[redacted]" wherever it is
 * logged or serialized by mistake.
 */
export class PlainPassword {
  private constructor(private readonly secret: string) {}

  /**
   * Throws ValidationError naming `field` when `raw` breaks the rule: 8..128
   * characters, none of them a control character or a lone surrogate.
   */
  static of(raw: unknown, field = 'password'): PlainPassword {
    if (typeof raw !== 'string') throw ValidationError.of(field, 'must be a string');
    // Not trimmed: every character of a password counts. Counted in code points.
    const length = [...raw].length;
    if (length < MIN_LENGTH || length > MAX_LENGTH) {
      throw ValidationError.of(field, `must be ${MIN_LENGTH} to ${MAX_LENGTH} characters`);
    }
    if (CONTROL_CHARACTER.test(raw)) throw ValidationError.of(field, 'must not contain control characters');
    if (LONE_SURROGATE.test(raw)) throw ValidationError.of(field, 'must be well-formed Unicode text');
    return new PlainPassword(raw);
  }

  /** The password itself, for the hasher and nothing else. */
  reveal(): string {
    return this.secret;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

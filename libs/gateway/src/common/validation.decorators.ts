import { Transform } from 'class-transformer';
import { Length, MaxLength, ValidateBy, ValidateIf } from 'class-validator';

/**
 * An optional field that, when present, must pass its rules. Unlike
 * @IsOptional() it lets `null` through to them, so `{ "name": null }` is a
 * 400 rather than a null slipping into a context's request.
 */
export const IsOptionalField = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

/**
 * Turns a query string made only of digits into a number and leaves anything
 * else (`1.5`, `1e3`, `abc`, a repeated parameter) as it is, for @IsInt() to refuse.
 */
export const ToInteger = (): PropertyDecorator => Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value));

// C0 controls, DEL and C1 controls: nobody types them, and some vanish further along (a NUL pads an HMAC key, ends a C string).
const CONTROL_CHARACTERS = '\\u0000-\\u001F\\u007F-\\u009F';
const CONTROL_CHARACTER = new RegExp(`[${CONTROL_CHARACTERS}]`);

/** What @HasNoControlCharacters() enforces, as an OpenAPI `pattern`. */
export const NO_CONTROL_CHARACTERS_PATTERN = `^[^${CONTROL_CHARACTERS}]*$`;

/** A string field without control characters (U+0000-U+001F, U+007F-U+009F); a value that is not a string is left to @IsString(). */
export const HasNoControlCharacters = (): PropertyDecorator =>
  ValidateBy({
    name: 'hasNoControlCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !CONTROL_CHARACTER.test(value),
      defaultMessage: () => '$property must not contain control characters',
    },
  });

/**
 * A string of `min` to `max` characters (UTF-16 code units, as class-validator counts them), refused in the words of
 * the other rules: "name must not be empty", "password must be at least 8 characters", "name must be at most 100
 * characters". class-validator's own reads "must be longer than or equal to 1 characters", whichever end failed.
 */
export const TextLength = (min: number, max: number): PropertyDecorator =>
  Length(min, max, {
    message: ({ value }) =>
      typeof value === 'string' && value.length > max
        ? tooLong(max)
        : min === 1
          ? '$property must not be empty'
          : `$property must be at least ${min} characters`,
  });

/** A string of at most `max` characters, refused in the words of TextLength. */
export const MaxTextLength = (max: number): PropertyDecorator => MaxLength(max, { message: tooLong(max) });

const tooLong = (max: number): string => `$property must be at most ${max} characters`;

import { Transform } from 'class-transformer';
import { ValidateBy, ValidateIf } from 'class-validator';

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

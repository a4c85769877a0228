import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';

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
export const ToInteger = (): PropertyDecorator =>
  Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value));

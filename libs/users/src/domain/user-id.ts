import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` has the shape of a user id (a UUID); anything else can name no user. */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A fresh user id. */
export function newUserId(): string {
  return randomUUID();
}

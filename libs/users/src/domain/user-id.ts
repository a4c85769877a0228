import { randomUUID } from 'node:crypto';
import { isUuid } from '@tessera/shared-kernel';

/** True when `value` has the shape of a user id (a UUID); anything else can name no user. */
export function isUserId(value: unknown): value is string {
  return isUuid(value);
}

/** A fresh user id. */
export function newUserId(): string {
  return randomUUID();
}

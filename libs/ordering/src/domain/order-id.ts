import { randomUUID } from 'node:crypto';

/** True when `value` has the shape of an id of this shop (a UUID); anything else names nothing. */
export { isUuid } from '@tessera/shared-kernel';

/** A fresh order id, which is also the id of the order's stock reservation. */
export function newOrderId(): string {
  return randomUUID();
}

import type { Requester } from '@tessera/contracts';

/** One order, for its owner or an admin. */
export class GetOrderQuery {
  constructor(
    readonly orderId: string,
    readonly requester: Requester,
  ) {}
}

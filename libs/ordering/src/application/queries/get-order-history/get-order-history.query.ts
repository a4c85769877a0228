import type { Requester } from '@tessera/contracts';

/** The events of one order's stream, for its owner or an admin. */
export class GetOrderHistoryQuery {
  constructor(
    readonly orderId: string,
    readonly requester: Requester,
  ) {}
}

import type { Requester } from '@tessera/contracts';

/** The order's owner or an admin cancels it. */
export class CancelOrderCommand {
  constructor(
    readonly orderId: string,
    readonly requester: Requester,
  ) {}
}

import type { Requester } from '@tessera/contracts';

/** One payment, as its payer or an admin sees it. */
export class GetPaymentQuery {
  constructor(
    readonly paymentId: string,
    readonly requester: Requester,
  ) {}
}

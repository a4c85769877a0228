import type { Requester } from '@tessera/contracts';

/** A page of orders: a customer's own; an admin's choice of everyone's or one user's. */
export class ListOrdersQuery {
  constructor(
    readonly requester: Requester,
    readonly page?: number,
    readonly limit?: number,
    readonly userId?: string,
  ) {}
}

/** A customer orders these items; with an idempotency key, a retry answers the first result. */
export class PlaceOrderCommand {
  constructor(
    readonly userId: string,
    readonly items: unknown,
    readonly idempotencyKey?: string,
  ) {}
}

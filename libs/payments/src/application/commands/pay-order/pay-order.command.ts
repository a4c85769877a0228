/** Pays an order with its own total, as its owner, at most once per order. */
export class PayOrderCommand {
  constructor(
    readonly orderId: string,
    readonly userId: string,
    readonly paymentMethod: string,
    readonly idempotencyKey?: string,
  ) {}
}

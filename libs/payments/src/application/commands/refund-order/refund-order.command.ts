/** Gives back what was charged for an order, if anything was. */
export class RefundOrderCommand {
  constructor(readonly orderId: string) {}
}

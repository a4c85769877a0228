/** Takes the units of every line out of available stock for an order, under the order's id: all of them or none. */
export class ReserveStockCommand {
  constructor(
    readonly reservationId: string,
    readonly lines: { productId: string; quantity: number }[],
  ) {}
}

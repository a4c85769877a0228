/**
 * Takes the units of every line out of available stock for an order, under
 * the order's id: all of them or none, held for `holdSeconds` (1800 when not
 * given) unless committed or released before.
 */
export class ReserveStockCommand {
  constructor(
    readonly reservationId: string,
    readonly lines: { productId: string; quantity: number }[],
    readonly holdSeconds?: number,
  ) {}
}

/** Receives goods (positive delta) or writes them off (negative delta). */
export class AdjustStockCommand {
  constructor(
    readonly productId: string,
    readonly delta: number,
  ) {}
}

import type { MoneyDto } from '@tessera/contracts';

/** Adds a product to the catalog with its opening stock. */
export class CreateProductCommand {
  constructor(
    readonly sku: string,
    readonly name: string,
    readonly description: string | undefined,
    readonly price: MoneyDto,
    readonly stock: number,
  ) {}
}

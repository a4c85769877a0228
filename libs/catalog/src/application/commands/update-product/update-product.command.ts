import type { MoneyDto } from '@tessera/contracts';

/** Changes a product's name, description and price; the fields left undefined stay as they are. */
export class UpdateProductCommand {
  constructor(
    readonly productId: string,
    readonly name?: string,
    readonly description?: string,
    readonly price?: MoneyDto,
  ) {}
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { Product } from '../../../domain/product.aggregate';
import { PRODUCT_REPOSITORY, type ProductRepository } from '../../../domain/product.repository';
import { SeedDemoProductsCommand } from './seed-demo-products.command';

/** Adds the demo products in one transaction when the catalog is empty; answers how many it added. */
@Injectable()
export class SeedDemoProductsHandler {
  private readonly logger = new Logger('Catalog');

  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  async execute(command: SeedDemoProductsCommand): Promise<number> {
    // Demo products pass the same rules as any other. They are not announced: they are a convenience of a fresh
    // install, written at start, not a business fact another context should act on.
    const products = command.products.map((product) => Product.create(product));
    const added = await this.products.addAllIfEmpty(products);
    if (added > 0) this.logger.log(`Added ${added} demo products to the empty catalog`);
    else this.logger.log('The catalog already has products: no demo products added');
    return added;
  }
}

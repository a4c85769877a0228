import { retryOnVersionConflict } from '@tessera/shared-kernel';
import { Inject, Injectable } from '@nestjs/common';
import type { ProductView } from '@tessera/contracts';
import { PRODUCT_REPOSITORY, type ProductRepository } from '../../../domain/product.repository';
import { findProductOrThrow } from '../../find-product-or-throw';
import { toProductIntegrationEvents } from '../../product-integration-events';
import { ProductViewMapper } from '../../product-view.mapper';
import { UpdateProductCommand } from './update-product.command';

/** catalog.update-product: an update to the same values changes nothing and announces nothing. */
@Injectable()
export class UpdateProductHandler {
  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  async execute(command: UpdateProductCommand): Promise<ProductView> {
    const product = await retryOnVersionConflict(async () => {
      const product = await findProductOrThrow(this.products, command.productId);
      const changed = product.update({ name: command.name, description: command.description, price: command.price });
      if (changed) await this.products.save(product, toProductIntegrationEvents(product.pullEvents()));
      return product;
    });
    return ProductViewMapper.toView(product);
  }
}

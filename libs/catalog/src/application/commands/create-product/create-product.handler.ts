import { Inject, Injectable } from '@nestjs/common';
import type { ProductView } from '@tessera/contracts';
import { Product } from '../../../domain/product.aggregate';
import { PRODUCT_REPOSITORY, type ProductRepository } from '../../../domain/product.repository';
import { toProductIntegrationEvents } from '../../product-integration-events';
import { ProductViewMapper } from '../../product-view.mapper';
import { CreateProductCommand } from './create-product.command';

/** catalog.create-product: SKU_TAKEN when another product has the SKU, whatever its case. */
@Injectable()
export class CreateProductHandler {
  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  async execute(command: CreateProductCommand): Promise<ProductView> {
    const product = Product.create({
      sku: command.sku,
      name: command.name,
      description: command.description,
      price: command.price,
      stock: command.stock,
    });
    await this.products.add(product, toProductIntegrationEvents(product.pullEvents()));
    return ProductViewMapper.toView(product);
  }
}

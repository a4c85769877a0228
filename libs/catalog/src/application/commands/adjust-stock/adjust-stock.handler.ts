import { retryOnVersionConflict } from '@tessera/shared-kernel';
import { Inject, Injectable } from '@nestjs/common';
import type { ProductView } from '@tessera/contracts';
import { PRODUCT_REPOSITORY, type ProductRepository } from '../../../domain/product.repository';
import { findProductOrThrow } from '../../find-product-or-throw';
import { toProductIntegrationEvents } from '../../product-integration-events';
import { ProductViewMapper } from '../../product-view.mapper';
import { AdjustStockCommand } from './adjust-stock.command';

/**
 * catalog.adjust-stock: INSUFFICIENT_STOCK when the stock would go below zero.
 * Concurrent adjustments of one product are each applied once, in some order,
 * each checked against the stock left by the ones before it.
 */
@Injectable()
export class AdjustStockHandler {
  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  async execute(command: AdjustStockCommand): Promise<ProductView> {
    const product = await retryOnVersionConflict(async () => {
      const product = await findProductOrThrow(this.products, command.productId);
      product.adjustStock(command.delta);
      await this.products.save(product, toProductIntegrationEvents(product.pullEvents()));
      return product;
    });
    return ProductViewMapper.toView(product);
  }
}

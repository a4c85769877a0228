import { Inject, Injectable } from '@nestjs/common';
import type { ProductView } from '@tessera/contracts';
import { PRODUCT_REPOSITORY, type ProductRepository } from '../../../domain/product.repository';
import { findProductOrThrow } from '../../find-product-or-throw';
import { ProductViewMapper } from '../../product-view.mapper';
import { GetProductQuery } from './get-product.query';

/** catalog.get-product: PRODUCT_NOT_FOUND for an unknown or malformed id alike. */
@Injectable()
export class GetProductHandler {
  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  async execute(query: GetProductQuery): Promise<ProductView> {
    return ProductViewMapper.toView(await findProductOrThrow(this.products, query.productId));
  }
}

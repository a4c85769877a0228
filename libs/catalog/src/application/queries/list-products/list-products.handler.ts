import { Inject, Injectable } from '@nestjs/common';
import type { Page, ProductView } from '@tessera/contracts';
import { checkedPageRequest, pageRequestProblems, ValidationError } from '@tessera/shared-kernel';
import { PRODUCT_REPOSITORY, type ProductRepository } from '../../../domain/product.repository';
import { ProductViewMapper } from '../../product-view.mapper';
import { ListProductsQuery } from './list-products.query';

/** catalog.list-products: by name (ignoring case) then id, so pages never overlap or skip a product. */
@Injectable()
export class ListProductsHandler {
  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  async execute(query: ListProductsQuery): Promise<Page<ProductView>> {
    const { page, limit, q } = checkQuery(query);
    const { items, total } = await this.products.list({ q, offset: (page - 1) * limit, limit });
    return { items: items.map((product) => ProductViewMapper.toView(product)), total, page, limit };
  }
}

function checkQuery(query: ListProductsQuery): { page: number; limit: number; q?: string } {
  const q = query.q ?? undefined;
  const problems = pageRequestProblems(query);
  if (q !== undefined && typeof q !== 'string') problems.push({ field: 'q', message: 'must be a string' });
  if (problems.length > 0) throw new ValidationError(problems);
  return { ...checkedPageRequest(query), q: q === '' ? undefined : q };
}

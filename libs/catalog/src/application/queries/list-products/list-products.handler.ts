import { Inject, Injectable } from '@nestjs/common';
import type { Page, ProductView } from '@tessera/contracts';
import { FieldProblem, ValidationError } from '@tessera/shared-kernel';
import { PRODUCT_REPOSITORY, type ProductRepository } from '../../../domain/product.repository';
import { ProductViewMapper } from '../../product-view.mapper';
import { ListProductsQuery } from './list-products.query';

/** Page size when none is asked for, and the largest page served. */
export const PRODUCT_PAGE_LIMITS = { defaultLimit: 20, maxLimit: 100 } as const;

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
  const { defaultLimit, maxLimit } = PRODUCT_PAGE_LIMITS;
  const page = query.page ?? 1;
  const limit = query.limit ?? defaultLimit;
  const q = query.q ?? undefined;
  const problems: FieldProblem[] = [];
  if (!Number.isSafeInteger(page) || page < 1) problems.push({ field: 'page', message: 'must be an integer of at least 1' });
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxLimit) {
    problems.push({ field: 'limit', message: `must be an integer from 1 to ${maxLimit}` });
  }
  if (q !== undefined && typeof q !== 'string') problems.push({ field: 'q', message: 'must be a string' });
  if (problems.length > 0) throw new ValidationError(problems);
  return { page, limit, q: q === '' ? undefined : q };
}

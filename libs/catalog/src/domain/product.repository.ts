import { type OutgoingIntegrationEvent, VersionConflictError } from '@tessera/shared-kernel';
import type { Product } from './product.aggregate';

/** Injection token of the ProductRepository port. */
export const PRODUCT_REPOSITORY = Symbol('PRODUCT_REPOSITORY');

/** Which products to list: `q` is a literal, case-insensitive substring of the name. */
export interface ProductCriteria {
  q?: string;
  offset: number;
  limit: number;
}

/** Where products are kept. */
export interface ProductRepository {
  /** The product, or null when no product has this id (a malformed id included). */
  findById(id: string): Promise<Product | null>;

  /**
   * Stores a new product, with `events` in the catalog outbox in the same
   * transaction; throws DomainError SKU_TAKEN when its SKU is taken, compared case-insensitively.
   */
  add(product: Product, events?: readonly OutgoingIntegrationEvent[]): Promise<void>;

  /**
   * Stores the changes of a loaded product, with `events` in the catalog
   * outbox in the same transaction, only if nobody stored another change
   * since it was loaded; throws ProductVersionConflictError otherwise.
   */
  save(product: Product, events?: readonly OutgoingIntegrationEvent[]): Promise<void>;

  /** One page of the products matching the criteria, by name (case-insensitive) then id, and how many match in all. */
  list(criteria: ProductCriteria): Promise<{ items: Product[]; total: number }>;

  /**
   * Adds the products, all in one transaction, only when the catalog holds
   * none; answers how many were added (0 when the catalog was not empty).
   */
  addAllIfEmpty(products: readonly Product[]): Promise<number>;
}

/** Another change to the product was stored since it was loaded: load it again and retry. */
export class ProductVersionConflictError extends VersionConflictError {
  constructor(
    readonly productId: string,
    readonly expectedVersion: number,
  ) {
    super(`Product ${productId} changed since version ${expectedVersion} was loaded`);
  }
}

import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';

/** No product has the id asked for (or the id is not a product id at all); `details.productId` names it when one of several was. */
export class ProductNotFoundError extends DomainError {
  constructor(productId?: string) {
    super(ERROR_CODES.PRODUCT_NOT_FOUND, 'Product not found', productId === undefined ? undefined : { productId });
    this.name = 'ProductNotFoundError';
  }
}

/** Another product already has this SKU, compared case-insensitively. */
export class SkuTakenError extends DomainError {
  constructor(sku: string) {
    super(ERROR_CODES.SKU_TAKEN, `A product with SKU ${sku} already exists`, { sku });
    this.name = 'SkuTakenError';
  }
}

/** A change would take stock below zero. */
export class InsufficientStockError extends DomainError {
  constructor(productId: string, sku: string, available: number, requested: number) {
    super(ERROR_CODES.INSUFFICIENT_STOCK, `Cannot remove ${requested} of ${sku}: only ${available} in stock`, {
      productId,
      available,
      requested,
    });
    this.name = 'InsufficientStockError';
  }
}

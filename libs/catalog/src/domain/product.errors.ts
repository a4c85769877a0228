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

/**
 * What the units were wanted for, in the words of the person who asked: a
 * customer's order reserves them, an admin's negative adjustment removes them.
 */
export type StockWithdrawal = 'reserve' | 'remove';

/** A change would take stock below zero. */
export class InsufficientStockError extends DomainError {
  constructor(productId: string, sku: string, available: number, requested: number, withdrawal: StockWithdrawal) {
    const inStock = available === 0 ? 'none in stock' : `only ${available} in stock`;
    super(ERROR_CODES.INSUFFICIENT_STOCK, `Cannot ${withdrawal} ${requested} of ${sku}: ${inStock}`, {
      productId,
      available,
      requested,
    });
    this.name = 'InsufficientStockError';
  }
}

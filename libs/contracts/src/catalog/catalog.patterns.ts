/** Requests the catalog context answers. */
export const CATALOG_PATTERNS = {
  CREATE_PRODUCT: 'catalog.create-product',
  GET_PRODUCT: 'catalog.get-product',
  LIST_PRODUCTS: 'catalog.list-products',
  UPDATE_PRODUCT: 'catalog.update-product',
  ADJUST_STOCK: 'catalog.adjust-stock',
  RESERVE_STOCK: 'catalog.reserve-stock',
  COMMIT_RESERVATION: 'catalog.commit-reservation',
  RELEASE_RESERVATION: 'catalog.release-reservation',
  CHECK_HEALTH: 'catalog.check-health',
} as const;

/** The catalog requests that only read, so repeating one is safe: a client may retry them. */
export const CATALOG_QUERY_PATTERNS: readonly string[] = [CATALOG_PATTERNS.GET_PRODUCT, CATALOG_PATTERNS.LIST_PRODUCTS, CATALOG_PATTERNS.CHECK_HEALTH];

/** Integration events the catalog context publishes. */
export const CATALOG_EVENTS = {
  PRODUCT_CREATED: 'catalog.product.created',
  PRODUCT_UPDATED: 'catalog.product.updated',
  STOCK_ADJUSTED: 'catalog.stock.adjusted',
  RESERVATION_EXPIRED: 'catalog.reservation.expired',
  RESERVATION_RELEASED: 'catalog.reservation.released',
} as const;

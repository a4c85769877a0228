import type { NewProduct } from '../../../domain/product.aggregate';
import { DEMO_PRODUCTS } from './demo-products';

/** Fills an empty catalog with demo products; a catalog that has any product is left alone. */
export class SeedDemoProductsCommand {
  constructor(readonly products: readonly NewProduct[] = DEMO_PRODUCTS) {}
}

import { Product } from '../domain/product.aggregate';
import { ProductNotFoundError } from '../domain/product.errors';
import type { ProductRepository } from '../domain/product.repository';

/** Loads a product or throws PRODUCT_NOT_FOUND; a malformed id is answered here, without asking the store. */
export async function findProductOrThrow(products: ProductRepository, productId: unknown): Promise<Product> {
  const product = Product.isWellFormedId(productId) ? await products.findById(productId) : null;
  if (!product) throw new ProductNotFoundError();
  return product;
}

import type { ProductView } from '@tessera/contracts';
import type { Product } from '../domain/product.aggregate';

/** Turns a product into the view every other context sees. */
export class ProductViewMapper {
  static toView(product: Product): ProductView {
    return {
      id: product.id,
      sku: product.sku,
      name: product.name,
      description: product.description,
      price: product.price.toJSON(),
      stock: product.stock,
      createdAt: product.createdAt.toISOString(),
      updatedAt: product.updatedAt.toISOString(),
    };
  }
}

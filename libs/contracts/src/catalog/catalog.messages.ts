import type { MoneyDto } from '../common/money.dto';
import type { PageRequest } from '../common/page';

/** A product as every other context sees it; `stock` is what can be bought now. */
export interface ProductView {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: MoneyDto;
  stock: number;
  createdAt: string;
  updatedAt: string;
}

/** catalog.create-product (v1). */
export interface CreateProductRequest {
  sku: string;
  name: string;
  description?: string;
  price: MoneyDto;
  stock: number;
}

/** catalog.get-product (v1). */
export interface GetProductRequest {
  productId: string;
}

/** catalog.list-products (v1): `q` is a literal, case-insensitive substring of the name. */
export interface ListProductsRequest extends PageRequest {
  q?: string;
}

/** catalog.update-product (v1): only the fields present change. */
export interface UpdateProductRequest {
  productId: string;
  name?: string;
  description?: string;
  price?: MoneyDto;
}

/** catalog.adjust-stock (v1): a positive delta receives goods, a negative one writes them off. */
export interface AdjustStockRequest {
  productId: string;
  delta: number;
}

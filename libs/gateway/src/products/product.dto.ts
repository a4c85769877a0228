import { ApiProperty } from '@nestjs/swagger';
import type { Page, ProductView } from '@tessera/contracts';
import { MoneyDto } from '../common/money.dto';
import { MAX_STOCK } from './create-product.dto';

/** A product as the API shows it; `stock` is what can be bought now (reserved units are not in it). */
export class ProductDto implements ProductView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'TEE-BLK-M' })
  sku: string;

  @ApiProperty({ example: 'Black T-shirt, M' })
  name: string;

  @ApiProperty({ example: 'Organic cotton, 180 g/m²' })
  description: string;

  @ApiProperty({ type: MoneyDto })
  price: MoneyDto;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_STOCK, description: 'Units available to buy now' })
  stock: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  /** Copies only the documented fields, so nothing a context adds to its view reaches a client unreviewed. */
  static of(view: ProductView): ProductDto {
    return Object.assign(new ProductDto(), {
      id: view.id,
      sku: view.sku,
      name: view.name,
      description: view.description,
      price: MoneyDto.of(view.price),
      stock: view.stock,
      createdAt: view.createdAt,
      updatedAt: view.updatedAt,
    });
  }
}

export class ProductPageDto implements Page<ProductDto> {
  @ApiProperty({ type: [ProductDto] })
  items: ProductDto[];

  @ApiProperty({ type: 'integer', description: 'Matching products across all pages' })
  total: number;

  @ApiProperty({ type: 'integer' })
  page: number;

  @ApiProperty({ type: 'integer' })
  limit: number;
}

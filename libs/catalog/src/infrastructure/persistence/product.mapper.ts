import { fromStoredRow, toSafeInteger } from '@tessera/platform';
import { Money } from '@tessera/shared-kernel';
import { Product } from '../../domain/product.aggregate';
import { ProductOrmEntity } from './product.orm-entity';

/** Converts between the product aggregate and its row. */
export class ProductMapper {
  static toDomain(row: ProductOrmEntity): Product {
    return fromStoredRow(`catalog.products ${row.id}`, () =>
      Product.reconstitute({
        id: row.id,
        sku: row.sku,
        name: row.name,
        description: row.description,
        price: Money.of(toSafeInteger(row.priceAmount, 'catalog.products.price_amount'), row.priceCurrency.trim()),
        stock: toSafeInteger(row.stock, 'catalog.products.stock'),
        createdAt: new Date(row.createdAt),
        updatedAt: new Date(row.updatedAt),
        version: toSafeInteger(row.version, 'catalog.products.version'),
      }),
    );
  }

  static toRow(product: Product): ProductOrmEntity {
    const row = new ProductOrmEntity();
    row.id = product.id;
    row.sku = product.sku;
    row.name = product.name;
    row.description = product.description;
    row.priceAmount = String(product.price.amount);
    row.priceCurrency = product.price.currency;
    row.stock = product.stock;
    row.createdAt = product.createdAt;
    row.updatedAt = product.updatedAt;
    row.version = product.version;
    return row;
  }
}

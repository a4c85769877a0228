import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A row of catalog.products. The schema itself is written by the migrations, never synchronized. */
@Entity({ schema: 'catalog', name: 'products' })
@Index('products_sku_lower_key', { synchronize: false })
@Index('products_name_lower_id_idx', { synchronize: false })
@Check('products_stock_not_negative', '"stock" >= 0')
@Check('products_price_amount_not_negative', '"price_amount" >= 0')
export class ProductOrmEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  sku: string;

  @Column('text')
  name: string;

  @Column('text')
  description: string;

  // pg returns a bigint as a string, to lose no digits; the mapper converts it.
  @Column('bigint', { name: 'price_amount' })
  priceAmount: string;

  @Column('char', { name: 'price_currency', length: 3 })
  priceCurrency: string;

  @Column('integer')
  stock: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  // A plain column, not @VersionColumn: the repository checks and bumps it in one conditional UPDATE (typeorm#2848).
  @Column('integer')
  version: number;
}

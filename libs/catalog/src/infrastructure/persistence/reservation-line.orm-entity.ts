import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A row of catalog.reservation_lines: one product of a reservation, as it was named and priced when reserved. */
@Entity({ schema: 'catalog', name: 'reservation_lines' })
@Index('reservation_lines_product_id_idx', { synchronize: false })
@Check('reservation_lines_quantity_positive', '"quantity" > 0')
@Check('reservation_lines_unit_price_amount_not_negative', '"unit_price_amount" >= 0')
export class ReservationLineOrmEntity {
  @PrimaryColumn('uuid', { name: 'reservation_id' })
  reservationId: string;

  @PrimaryColumn('uuid', { name: 'product_id' })
  productId: string;

  @Column('text')
  sku: string;

  @Column('text')
  name: string;

  // pg returns a bigint as a string, to lose no digits; the mapper converts it.
  @Column('bigint', { name: 'unit_price_amount' })
  unitPriceAmount: string;

  @Column('char', { name: 'unit_price_currency', length: 3 })
  unitPriceCurrency: string;

  @Column('integer')
  quantity: number;
}

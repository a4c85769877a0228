import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { OrderLineJson } from '../../domain/order-line.value-object';

/**
 * A row of ordering.orders: the projection of an order's stream, written in
 * the transaction that appends to it, read by get, list and the expiry
 * sweeper. The schema is written by the migrations, never synchronized.
 */
@Entity({ schema: 'ordering', name: 'orders' })
@Index('orders_status_expires_at_idx', { synchronize: false })
@Index('orders_user_id_created_at_idx', { synchronize: false })
@Index('orders_created_at_id_idx', { synchronize: false })
@Check('orders_status_check', `"status" IN ('AWAITING_PAYMENT', 'CONFIRMED', 'CANCELLED')`)
export class OrderOrmEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  @Column('text')
  status: string;

  @Column('jsonb')
  items: OrderLineJson[];

  // pg returns a bigint as a string, to lose no digits; the mapper converts it.
  @Column('bigint', { name: 'total_amount' })
  totalAmount: string;

  @Column('char', { name: 'total_currency', length: 3 })
  totalCurrency: string;

  @Column('text', { name: 'payment_id', nullable: true })
  paymentId: string | null;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('text', { name: 'cancellation_reason', nullable: true })
  cancellationReason: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  // A plain column, not @VersionColumn: the repository checks and sets it in one conditional UPDATE (typeorm#2848).
  @Column('integer')
  version: number;
}

import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A row of payments.payments. The schema itself is written by the migrations, never synchronized. */
@Entity({ schema: 'payments', name: 'payments' })
@Index('payments_order_id_active_key', { synchronize: false })
@Index('payments_pending_created_at_idx', { synchronize: false })
@Check('payments_status_check', `"status" IN ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED')`)
@Check('payments_amount_not_negative', '"amount" >= 0')
export class PaymentOrmEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'order_id' })
  orderId: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  // pg returns a bigint as a string, to lose no digits; the mapper converts it.
  @Column('bigint')
  amount: string;

  @Column('char', { length: 3 })
  currency: string;

  @Column('text', { name: 'payment_method' })
  paymentMethod: string;

  @Column('text')
  status: string;

  @Column('text', { name: 'failure_reason', nullable: true })
  failureReason: string | null;

  @Column('text', { name: 'provider_reference', nullable: true })
  providerReference: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  // A plain column, not @VersionColumn: the repository checks and bumps it in one conditional UPDATE (typeorm#2848).
  @Column('integer')
  version: number;
}

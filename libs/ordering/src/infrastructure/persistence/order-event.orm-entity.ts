import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A row of ordering.order_events: one event of an order's stream, never
 * updated or deleted. The primary key (order_id, version) is the optimistic
 * lock: of two writers appending the same version, one loses.
 */
@Entity({ schema: 'ordering', name: 'order_events' })
export class OrderEventOrmEntity {
  @PrimaryColumn('uuid', { name: 'order_id' })
  orderId: string;

  @PrimaryColumn('integer')
  version: number;

  @Column('text')
  type: string;

  @Column('jsonb')
  data: Record<string, unknown>;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;
}

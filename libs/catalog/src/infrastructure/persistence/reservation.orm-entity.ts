import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A row of catalog.reservations: one per order, under the order's id. Written by the migrations, never synchronized. */
@Entity({ schema: 'catalog', name: 'reservations' })
@Index('reservations_reserved_expires_at_idx', { synchronize: false })
@Check('reservations_status_known', `"status" IN ('RESERVED', 'COMMITTED', 'RELEASED')`)
export class ReservationOrmEntity {
  @PrimaryColumn('uuid', { name: 'reservation_id' })
  reservationId: string;

  @Column('text')
  status: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('boolean', { name: 'released_by_expiry' })
  releasedByExpiry: boolean;
}

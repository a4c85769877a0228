import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of catalog.reservations: one per order, under the order's id. Written by the migrations, never synchronized. */
@Entity({ schema: 'catalog', name: 'reservations' })
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
}

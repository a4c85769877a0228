import { fromStoredRow, toSafeInteger } from '@tessera/platform';
import { Money } from '@tessera/shared-kernel';
import { Reservation, ReservationLine, ReservationStatus } from '../../domain/reservation.aggregate';
import { ReservationLineOrmEntity } from './reservation-line.orm-entity';
import { ReservationOrmEntity } from './reservation.orm-entity';

/** Converts between a reservation and its rows. */
export class ReservationMapper {
  static toDomain(row: ReservationOrmEntity, lines: readonly ReservationLineOrmEntity[]): Reservation {
    return fromStoredRow(`catalog.reservations ${row.reservationId}`, () =>
      Reservation.reconstitute({
        id: row.reservationId,
        // The table's CHECK admits only the three statuses.
        status: row.status as ReservationStatus,
        lines: lines.map((line) => ReservationMapper.lineToDomain(line)),
        createdAt: new Date(row.createdAt),
        updatedAt: new Date(row.updatedAt),
        expiresAt: new Date(row.expiresAt),
        releasedByExpiry: row.releasedByExpiry,
      }),
    );
  }

  static lineToDomain(row: Omit<ReservationLineOrmEntity, 'reservationId'>): ReservationLine {
    return {
      productId: row.productId,
      sku: row.sku,
      name: row.name,
      unitPrice: Money.of(toSafeInteger(row.unitPriceAmount, 'catalog.reservation_lines.unit_price_amount'), row.unitPriceCurrency.trim()),
      quantity: toSafeInteger(row.quantity, 'catalog.reservation_lines.quantity'),
    };
  }
}

import type { ReservationView } from '@tessera/contracts';
import type { Reservation } from '../domain/reservation.aggregate';

/** Turns a reservation into the view ordering sees. */
export class ReservationViewMapper {
  static toView(reservation: Reservation): ReservationView {
    return {
      reservationId: reservation.id,
      status: reservation.status,
      lines: reservation.lines.map((line) => ({
        productId: line.productId,
        sku: line.sku,
        name: line.name,
        unitPrice: line.unitPrice.toJSON(),
        quantity: line.quantity,
      })),
    };
  }
}

import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';

/** No reservation has the id asked for (or the id is not a reservation id at all). */
export class ReservationNotFoundError extends DomainError {
  constructor(reservationId: unknown) {
    super(ERROR_CODES.RESERVATION_NOT_FOUND, 'Reservation not found', { reservationId });
    this.name = 'ReservationNotFoundError';
  }
}

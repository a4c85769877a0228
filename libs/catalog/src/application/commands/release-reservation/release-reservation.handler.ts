import { Inject, Injectable } from '@nestjs/common';
import { CATALOG_EVENTS, type IntegrationEventPayload, type ReservationReleasedEvent, type ReservationView } from '@tessera/contracts';
import { type JoinedTransaction, type OutgoingIntegrationEvent, retryOnVersionConflict } from '@tessera/shared-kernel';
import { Reservation } from '../../../domain/reservation.aggregate';
import { RESERVATION_REPOSITORY, type ReservationRepository, ReservationStatusConflictError } from '../../../domain/reservation.repository';
import { ReservationViewMapper } from '../../reservation-view.mapper';
import { ReleaseReservationCommand } from './release-reservation.command';

/**
 * catalog.release-reservation: RESERVED or COMMITTED becomes RELEASED and
 * the units go back to stock, once however often (or concurrently) it is
 * asked, with catalog.reservation.released in the same transaction, so that
 * the gateways' product caches hear of the stock. Never an error for an
 * unknown id, so that a compensation can always run.
 */
@Injectable()
export class ReleaseReservationHandler {
  constructor(@Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository) {}

  /** With `transaction`, does its work inside it (an event consumer's inbox transaction) instead of its own. */
  async execute(command: ReleaseReservationCommand, transaction?: JoinedTransaction): Promise<ReservationView> {
    if (!Reservation.isWellFormedId(command.reservationId)) return { reservationId: command.reservationId, status: 'RELEASED', lines: [] };
    const reservationId = command.reservationId.toLowerCase();
    const reservations = transaction ? this.reservations.within(transaction) : this.reservations;
    const reservation = await retryOnVersionConflict(async () => {
      const reservation = (await reservations.findById(reservationId)) ?? (await releaseUnknown(reservations, reservationId));
      if (reservation.release()) await reservations.save(reservation, [releasedEvent(reservation)]);
      return reservation;
    });
    return ReservationViewMapper.toView(reservation);
  }
}

/**
 * A release can overtake its reservation (the caller gave up waiting for a
 * reservation that is still being made): it spends the id, so that the
 * reservation, when it comes, takes nothing and stock is not held for an
 * order that will never pay.
 */
async function releaseUnknown(reservations: ReservationRepository, reservationId: string): Promise<Reservation> {
  const released = Reservation.releasedBeforeReserved(reservationId);
  if (await reservations.addReleased(released)) return released;
  throw new ReservationStatusConflictError(reservationId, 'absent');
}

function releasedEvent(reservation: Reservation): OutgoingIntegrationEvent {
  const payload: IntegrationEventPayload<ReservationReleasedEvent> = {
    reservationId: reservation.id,
    lines: reservation.lines.map(({ productId, quantity }) => ({ productId, quantity })),
  };
  return { pattern: CATALOG_EVENTS.RESERVATION_RELEASED, payload };
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ReservationView } from '@tessera/contracts';
import { type JoinedTransaction, retryOnVersionConflict } from '@tessera/shared-kernel';
import { Reservation } from '../../../domain/reservation.aggregate';
import { ReservationNotFoundError } from '../../../domain/reservation.errors';
import { RESERVATION_REPOSITORY, type ReservationRepository } from '../../../domain/reservation.repository';
import { ReservationViewMapper } from '../../reservation-view.mapper';
import { CommitReservationCommand } from './commit-reservation.command';
import { RecentCommits } from '../../recent-commits';

/**
 * catalog.commit-reservation: RESERVED becomes COMMITTED, even past its
 * expiry as long as no sweeper has released it yet; committing again changes
 * nothing; a released reservation, by a release or by expiry, stays released
 * (logged, since its units are back in stock). RESERVATION_NOT_FOUND for an
 * unknown or malformed id.
 */
@Injectable()
export class CommitReservationHandler {
  private readonly logger = new Logger('Catalog');

  constructor(
    @Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository,
    private readonly recentCommits: RecentCommits = new RecentCommits(),
  ) {}

  /** With `transaction`, does its work inside it (an event consumer's inbox transaction) instead of its own. */
  async execute(command: CommitReservationCommand, transaction?: JoinedTransaction): Promise<ReservationView> {
    const reservations = transaction ? this.reservations.within(transaction) : this.reservations;
    const { reservationId } = command;
    const committed = Reservation.isWellFormedId(reservationId) ? await reservations.commitIfReserved(reservationId.toLowerCase(), new Date()) : null;
    if (committed) {
      // Inside a transaction the commit is not done until that transaction is.
      if (!transaction) this.recentCommits.record(committed.id);
      return ReservationViewMapper.toView(committed);
    }
    // Not RESERVED: committed already, released, or unknown; loaded to answer which.
    const reservation = await retryOnVersionConflict(async () => {
      const reservation = Reservation.isWellFormedId(reservationId) ? await reservations.findById(reservationId.toLowerCase()) : null;
      if (!reservation) throw new ReservationNotFoundError(command.reservationId);
      if (reservation.commit()) await reservations.save(reservation);
      return reservation;
    });
    if (reservation.status === 'RELEASED') {
      // A paid order whose units went back to stock: ordering refunds a payment that lands after a cancellation or
      // after the hold ran out, so this should not happen; if it does, someone has to look at it.
      const cause = reservation.releasedByExpiry ? 'released by expiry (it was not committed in time)' : 'released';
      this.logger.warn(`Reservation ${reservation.id} was asked to commit after it was ${cause}: it stays released`);
    }
    return ReservationViewMapper.toView(reservation);
  }
}

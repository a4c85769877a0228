import { Inject, Injectable, Logger } from '@nestjs/common';
import { CATALOG_EVENTS, type IntegrationEventPayload, type ReservationExpiredEvent } from '@tessera/contracts';
import { type OutgoingIntegrationEvent, retryOnVersionConflict } from '@tessera/shared-kernel';
import type { Reservation } from '../../../domain/reservation.aggregate';
import { RESERVATION_REPOSITORY, type ReservationRepository } from '../../../domain/reservation.repository';
import { ExpireOverdueReservationsCommand } from './expire-overdue-reservations.command';

/**
 * A round of the expiry sweeper: every reservation still RESERVED past its
 * expiresAt is released, its units go back to stock and
 * catalog.reservation.expired goes to the outbox, all in one transaction.
 * Each expiry is stored only over the status it was loaded at, so when two
 * sweepers, or a sweeper and a commit or release, reach one reservation,
 * whichever stores first wins and the other reloads and finds it changed.
 * Answers how many reservations this round expired.
 */
@Injectable()
export class ExpireOverdueReservationsHandler {
  private readonly logger = new Logger('Catalog');

  constructor(@Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository) {}

  async execute(command: ExpireOverdueReservationsCommand): Promise<number> {
    const overdue = await this.reservations.findOverdueIds(command.now, command.limit);
    let expired = 0;
    for (const reservationId of overdue) {
      try {
        const reservation = await this.expire(reservationId, command.now);
        if (!reservation) continue;
        expired++;
        // The caller that reserved never came back to commit or release: an operator should see it.
        this.logger.warn(`Reservation ${reservation.id} was not committed in time: released ${reservation.units} unit(s)`);
      } catch (error) {
        // One reservation that cannot be expired now must not hold up the others; the next round tries it again.
        this.logger.error(`Expiring reservation ${reservationId} failed: ${(error as Error)?.message ?? String(error)}`);
      }
    }
    return expired;
  }

  private expire(reservationId: string, now: Date): Promise<Reservation | null> {
    return retryOnVersionConflict(async () => {
      const reservation = await this.reservations.findById(reservationId);
      if (!reservation?.expire(now)) return null;
      await this.reservations.save(reservation, [expiredEvent(reservation, now)]);
      return reservation;
    });
  }
}

function expiredEvent(reservation: Reservation, now: Date): OutgoingIntegrationEvent {
  const payload: IntegrationEventPayload<ReservationExpiredEvent> = {
    reservationId: reservation.id,
    lines: reservation.lines.map(({ productId, quantity }) => ({ productId, quantity })),
    occurredAt: now.toISOString(),
  };
  return { pattern: CATALOG_EVENTS.RESERVATION_EXPIRED, payload };
}

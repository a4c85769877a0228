import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OrderConfirmedEvent } from '@tessera/contracts';
import { Inbox, Outbox } from '@tessera/messaging';
import { ReservationNotFoundError } from '../../../domain/reservation.errors';
import { RESERVATION_REPOSITORY, type ReservationRepository } from '../../../domain/reservation.repository';
import { CommitReservationCommand } from '../../commands/commit-reservation/commit-reservation.command';
import { CommitReservationHandler } from '../../commands/commit-reservation/commit-reservation.handler';
import { CATALOG_INBOX_CONSUMER } from '../catalog-inbox.consumer';
import { RecentCommits } from '../../recent-commits';

/**
 * ordering.order.confirmed: the order is paid, so the reservation under its
 * id is committed. The recovery path of the synchronous commit, which has
 * nearly always committed it already: then this process knows it did
 * (RecentCommits), or one read says so, and nothing is written (a
 * redelivery finds the same). Otherwise the commit runs once,
 * through the inbox.
 */
@Injectable()
export class OnOrderConfirmedHandler {
  private readonly logger = new Logger('Catalog');

  constructor(
    @Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    private readonly commitReservation: CommitReservationHandler,
    private readonly recentCommits: RecentCommits = new RecentCommits(),
  ) {}

  async execute(event: OrderConfirmedEvent): Promise<void> {
    if (this.recentCommits.committed(event.orderId) || (await this.reservations.findStatus(event.orderId)) === 'COMMITTED') return;
    const committed = await this.inbox.processOnce(event, CATALOG_INBOX_CONSUMER, async (manager) => {
      try {
        await this.commitReservation.execute(new CommitReservationCommand(event.orderId), manager);
      } catch (error) {
        if (!(error instanceof ReservationNotFoundError)) throw error;
        // Every order is placed with a reservation under its id; delivering the event again would not make a
        // missing one appear, so the event is done with rather than retried forever.
        this.logger.warn(`${event.eventId}: order ${event.orderId} was confirmed, but no reservation has its id`);
      }
    });
    if (committed) this.outbox.flush(committed);
  }
}

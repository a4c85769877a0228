import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicRound, RepeatedFailureLog } from '@tessera/messaging';
import { ExpireOverdueReservationsCommand } from '../application/commands/expire-overdue-reservations/expire-overdue-reservations.command';
import { ExpireOverdueReservationsHandler } from '../application/commands/expire-overdue-reservations/expire-overdue-reservations.handler';

/** How often the sweeper looks for reservations whose hold ran out. */
export const RESERVATION_EXPIRY_SWEEP_INTERVAL_MS = 5000;

/**
 * Runs a round of the reservation expiry sweeper every five seconds, from
 * application bootstrap until the module is destroyed, which happens before
 * the database closes. Rounds never overlap in one process; several
 * processes may sweep at once, which the status-guarded save makes safe.
 */
@Injectable()
export class ReservationExpiryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Catalog');
  private readonly rounds = new PeriodicRound(
    () => this.expireOverdueReservations.execute(new ExpireOverdueReservationsCommand()),
    new RepeatedFailureLog(this.logger, 'A reservation expiry round', { level: 'error' }),
  );

  constructor(private readonly expireOverdueReservations: ExpireOverdueReservationsHandler) {}

  onApplicationBootstrap(): void {
    this.rounds.start(RESERVATION_EXPIRY_SWEEP_INTERVAL_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }

  /** Starts a round unless one is running; answers when the running round ends. */
  sweep(): Promise<void> {
    return this.rounds.run();
  }
}

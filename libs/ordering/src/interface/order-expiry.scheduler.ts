import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicRound, RepeatedFailureLog } from '@tessera/messaging';
import { ExpireDueOrdersCommand } from '../application/commands/expire-due-orders/expire-due-orders.command';
import { ExpireDueOrdersHandler } from '../application/commands/expire-due-orders/expire-due-orders.handler';
import { OrderingSettings } from '../application/ordering.settings';

/** How often the sweeper looks for orders whose time to pay is over, at most. */
export const EXPIRY_SWEEP_INTERVAL_MS = 2000;

/**
 * Runs a round of the expiry sweeper every two seconds (more often when the
 * payment timeout is shorter than four), from application bootstrap until
 * the module is destroyed, which happens before the database closes. Rounds
 * never overlap in one process; several processes may sweep at once, which
 * the version-checked expiry makes safe.
 */
@Injectable()
export class OrderExpiryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Ordering');
  private readonly rounds = new PeriodicRound(
    async () => {
      const expired = await this.expireDueOrders.execute(new ExpireDueOrdersCommand());
      if (expired > 0) this.logger.log(`Expired ${expired} order(s) not paid in time`);
    },
    new RepeatedFailureLog(this.logger, 'An expiry round', { level: 'error' }),
  );

  constructor(
    private readonly expireDueOrders: ExpireDueOrdersHandler,
    private readonly settings: OrderingSettings,
  ) {}

  /** Read as the rounds start: a payment timeout changed later only makes the rounds more frequent than they need be, or later. */
  get intervalMs(): number {
    return PeriodicRound.intervalFor(EXPIRY_SWEEP_INTERVAL_MS, this.settings.paymentTimeoutSeconds * 1000);
  }

  onApplicationBootstrap(): void {
    this.rounds.start(this.intervalMs);
  }

  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }

  /** Starts a round unless one is running; answers when the running round ends. */
  sweep(): Promise<void> {
    return this.rounds.run();
  }
}

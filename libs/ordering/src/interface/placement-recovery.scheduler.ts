import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicRound, RepeatedFailureLog } from '@tessera/messaging';
import { RecoverPlacementsCommand } from '../application/commands/recover-placements/recover-placements.command';
import { RecoverPlacementsHandler } from '../application/commands/recover-placements/recover-placements.handler';
import { OrderingSettings } from '../application/ordering.settings';

/** How often recovery looks for unfinished placements, at most. */
export const PLACEMENT_RECOVERY_INTERVAL_MS = 5000;

/**
 * Runs a round of placement recovery every few seconds, from application
 * bootstrap until the module is destroyed, before the database closes. Rounds never overlap in one
 * process; several processes share the placements through their leases.
 */
@Injectable()
export class PlacementRecoveryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Ordering');
  private readonly rounds = new PeriodicRound(
    () => this.recoverPlacements.execute(new RecoverPlacementsCommand()),
    new RepeatedFailureLog(this.logger, 'A placement recovery round', { level: 'error' }),
  );

  constructor(
    private readonly recoverPlacements: RecoverPlacementsHandler,
    private readonly settings: OrderingSettings,
  ) {}

  /** Read as the rounds start: a request timeout changed later only makes the rounds more frequent than they need be, or later. */
  get intervalMs(): number {
    return PeriodicRound.intervalFor(PLACEMENT_RECOVERY_INTERVAL_MS, this.settings.placementRecoveryAfterMs);
  }

  onApplicationBootstrap(): void {
    this.rounds.start(this.intervalMs);
  }

  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }

  /** Starts a round unless one is running; answers when the running round ends. */
  recover(): Promise<void> {
    return this.rounds.run();
  }
}

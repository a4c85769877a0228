import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicRound, RepeatedFailureLog } from '@tessera/messaging';
import { RuntimeSettings } from '@tessera/platform';
import { ResolvePendingPaymentsCommand } from '../application/commands/resolve-pending-payments/resolve-pending-payments.command';
import { ResolvePendingPaymentsHandler } from '../application/commands/resolve-pending-payments/resolve-pending-payments.handler';

/** How the sweeper runs at most every, and how many payments it takes per run. */
export const PENDING_PAYMENTS_SWEEP = {
  intervalMs: 15_000,
  batchSize: 20,
} as const;

/**
 * A live payment request reads the order, charges and confirms: each may take a
 * request timeout. A PENDING payment older than that belongs to a request that died.
 */
const REQUEST_TIMEOUTS_PER_PAYMENT = 3;

/**
 * Settles, every few seconds, the payments a crash or a silent provider left
 * PENDING for longer than a live request can take. One run at a time per
 * process; several processes may sweep at once (each payment is settled
 * once, whoever wins, and the provider charges a payment id once).
 */
@Injectable()
export class PendingPaymentsScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Payments');
  private readonly rounds = new PeriodicRound(
    () => this.resolvePendingPayments.execute(new ResolvePendingPaymentsCommand(this.staleAfterMs, PENDING_PAYMENTS_SWEEP.batchSize)),
    new RepeatedFailureLog(this.logger, 'Sweeping pending payments'),
  );

  constructor(
    private readonly resolvePendingPayments: ResolvePendingPaymentsHandler,
    private readonly runtime: RuntimeSettings,
  ) {}

  /**
   * After this long a PENDING payment is taken to belong to a request that died. Read at every round, since
   * REQUEST_TIMEOUT_MS is a runtime setting: a raised timeout must not have the sweeper settle payments whose
   * requests are still live.
   */
  get staleAfterMs(): number {
    return REQUEST_TIMEOUTS_PER_PAYMENT * this.runtime.get('REQUEST_TIMEOUT_MS');
  }

  /** Read as the rounds start: a request timeout changed later only makes the rounds more frequent than they need be, or later. */
  get intervalMs(): number {
    return PeriodicRound.intervalFor(PENDING_PAYMENTS_SWEEP.intervalMs, this.staleAfterMs);
  }

  onApplicationBootstrap(): void {
    this.rounds.start(this.intervalMs);
  }

  // Before the DataSource closes (that happens at application shutdown), so that no sweep runs on a closed connection.
  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }

  /** One sweep, unless one is running already; failures are logged, never thrown. */
  sweep(): Promise<void> {
    return this.rounds.run();
  }
}

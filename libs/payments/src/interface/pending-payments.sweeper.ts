import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ResolvePendingPaymentsCommand } from '../application/commands/resolve-pending-payments/resolve-pending-payments.command';
import { ResolvePendingPaymentsHandler } from '../application/commands/resolve-pending-payments/resolve-pending-payments.handler';

/** How the sweeper runs: how often, after how long a pending payment counts as abandoned, and how many it takes per run. */
export const PENDING_PAYMENTS_SWEEP = {
  intervalMs: 15_000,
  staleAfterMs: 60_000,
  batchSize: 20,
} as const;

/**
 * Settles, every few seconds, the payments a crash or a silent provider left
 * PENDING for over a minute. One run at a time per process; several processes
 * may sweep at once (each payment is settled once, whoever wins).
 */
@Injectable()
export class PendingPaymentsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Payments');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly resolvePendingPayments: ResolvePendingPaymentsHandler) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), PENDING_PAYMENTS_SWEEP.intervalMs);
    this.timer.unref();
  }

  // Before the DataSource closes (that happens at application shutdown), so that no sweep runs on a closed connection.
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep, unless one is running already; failures are logged, never thrown. */
  sweep(): Promise<void> {
    this.running ??= this.resolvePendingPayments
      .execute(new ResolvePendingPaymentsCommand(PENDING_PAYMENTS_SWEEP.staleAfterMs, PENDING_PAYMENTS_SWEEP.batchSize))
      .then(
        () => undefined,
        (error: Error) => this.logger.warn(`Sweeping pending payments failed: ${error?.message ?? error}`),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }
}

import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PeriodicRound } from '@tessera/messaging';
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
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/**
 * Settles, every few seconds, the payments a crash or a silent provider left
 * PENDING for longer than a live request can take. One run at a time per
 * process; several processes may sweep at once (each payment is settled
 * once, whoever wins, and the provider charges a payment id once).
 */
@Injectable()
export class PendingPaymentsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Payments');
  private readonly rounds = new PeriodicRound(
    () => this.resolvePendingPayments.execute(new ResolvePendingPaymentsCommand(this.staleAfterMs, PENDING_PAYMENTS_SWEEP.batchSize)),
    (error) => this.logger.warn(`Sweeping pending payments failed: ${(error as Error)?.message ?? error}`),
  );

  /** After this long a PENDING payment is taken to belong to a request that died. */
  readonly staleAfterMs: number;

  constructor(
    private readonly resolvePendingPayments: ResolvePendingPaymentsHandler,
    @Optional() config?: ConfigService,
  ) {
    const requestTimeoutMs = Number(config?.get<number | string>('REQUEST_TIMEOUT_MS') ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.staleAfterMs =
      REQUEST_TIMEOUTS_PER_PAYMENT * (Number.isSafeInteger(requestTimeoutMs) && requestTimeoutMs > 0 ? requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS);
  }

  get intervalMs(): number {
    return Math.max(250, Math.min(PENDING_PAYMENTS_SWEEP.intervalMs, this.staleAfterMs / 2));
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

import { Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicRound } from '@tessera/messaging';
import { SlidingWindowThrottlerStorage } from './sliding-window.throttler-storage';

const SWEEP_INTERVAL_MS = 60_000;

/** Forgets idle clients' rate-limit counters once a minute, so memory follows the clients of the last two minutes. */
@Injectable()
class RateLimitCountersSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RateLimits');
  private readonly rounds = new PeriodicRound(
    async () => this.counters.sweep(),
    (error) => this.logger.error(`Sweeping rate-limit counters failed: ${(error as Error)?.message ?? String(error)}`),
  );

  constructor(private readonly counters: SlidingWindowThrottlerStorage) {}

  onApplicationBootstrap(): void {
    this.rounds.start(SWEEP_INTERVAL_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }
}

/** The rate limiter's counters (one store per process) and their sweeper, for ThrottlerModule to count with. */
@Module({
  providers: [{ provide: SlidingWindowThrottlerStorage, useFactory: () => new SlidingWindowThrottlerStorage() }, RateLimitCountersSweeper],
  exports: [SlidingWindowThrottlerStorage],
})
export class RateLimitCountersModule {}

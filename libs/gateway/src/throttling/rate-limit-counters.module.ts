import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { PeriodicRound, RepeatedFailureLog } from '@tessera/messaging';
import { SHARED_REDIS } from '@tessera/platform';
import type Redis from 'ioredis';
import { RedisSlidingWindowThrottlerStorage } from './redis-sliding-window.throttler-storage';
import { SlidingWindowThrottlerStorage } from './sliding-window.throttler-storage';

const SWEEP_INTERVAL_MS = 60_000;

/** The token of the store ThrottlerModule counts requests in. */
export const RATE_LIMIT_COUNTERS = Symbol('RATE_LIMIT_COUNTERS');

/** Forgets idle clients' rate-limit counters once a minute, so memory follows the clients of the last two minutes; Redis expires its own. */
@Injectable()
class RateLimitCountersSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RateLimits');
  private readonly rounds = new PeriodicRound(
    async () => {
      if (this.counters instanceof SlidingWindowThrottlerStorage) this.counters.sweep();
    },
    new RepeatedFailureLog(this.logger, 'Sweeping rate-limit counters', { level: 'error' }),
  );

  constructor(@Inject(RATE_LIMIT_COUNTERS) private readonly counters: ThrottlerStorage) {}

  onApplicationBootstrap(): void {
    if (this.counters instanceof SlidingWindowThrottlerStorage) this.rounds.start(SWEEP_INTERVAL_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }
}

/**
 * The rate limiter's counters, for ThrottlerModule to count with: in Redis,
 * shared by every replica, when REDIS_URL is set; in this process's memory,
 * with their sweeper, otherwise.
 */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_COUNTERS,
      inject: [{ token: SHARED_REDIS, optional: true }],
      useFactory: (redis?: Redis): ThrottlerStorage => (redis ? new RedisSlidingWindowThrottlerStorage(redis) : new SlidingWindowThrottlerStorage()),
    },
    RateLimitCountersSweeper,
  ],
  exports: [RATE_LIMIT_COUNTERS],
})
export class RateLimitCountersModule {}

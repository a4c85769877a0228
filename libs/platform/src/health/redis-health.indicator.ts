import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { SHARED_REDIS } from '../redis/shared-redis.module';

/**
 * Redis is up for this process when it answers PING (GET /health/contexts
 * shows it; readiness does not: see HealthController). Only a process that
 * keeps shared state there (REDIS_URL set) is checked: without it, its rate
 * limits are not enforced across replicas and its caches are bypassed.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Optional() @Inject(SHARED_REDIS) private readonly redis?: Redis,
  ) {}

  get applies(): boolean {
    return this.redis !== undefined;
  }

  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('redis');
    try {
      await this.redis!.ping();
      return session.up();
    } catch {
      return session.down({ message: 'redis is not reachable' });
    }
  }
}

import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { SHARED_REDIS } from '../redis/shared-redis.module';

/** The key each check writes (under the client's namespace prefix), kept a minute. */
const PROBE_KEY = 'health-probe';
const PROBE_KEPT_MS = 60_000;

/**
 * Redis is up for this process when it takes a write (GET /health/contexts
 * shows it; readiness does not: see HealthController): a Redis out of memory
 * (maxmemory with noeviction) or a replica, such as a primary demoted by a
 * failover, answers PING and refuses every counter. Only a process that keeps
 * shared state there (REDIS_URL set) is checked: without it, its rate limits
 * are not enforced across replicas and its caches are bypassed.
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
      await this.redis!.set(PROBE_KEY, String(Date.now()), 'PX', PROBE_KEPT_MS);
      return session.up();
    } catch {
      return session.down({ message: 'redis is not reachable or does not take writes' });
    }
  }
}

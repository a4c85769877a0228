import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';
import { rateLimitEnforced, rateLimitUnenforced } from './rate-limit-metrics';
import { slidingWindowDecision, windowStartAt } from './sliding-window';

const KEY_PREFIX = 'rate-limit:';

/**
 * rolledTo and the decision of slidingWindowDecision, done where the counts
 * live so that two replicas counting at once cannot both take the last
 * request. Answers the counts as they were before this request, and 1 when it
 * was counted. Keys expire two windows after their last request.
 */
const COUNT_REQUEST = `
local now, ttl, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local windowStart = math.floor(now / ttl) * ttl
local stored = redis.call('HMGET', KEYS[1], 'windowStart', 'current', 'previous')
local storedStart = tonumber(stored[1])
local current, previous = 0, 0
if storedStart == windowStart then
  current, previous = tonumber(stored[2]) or 0, tonumber(stored[3]) or 0
elseif storedStart == windowStart - ttl then
  previous = tonumber(stored[2]) or 0
end
local counted = 0
if previous * (1 - (now - windowStart) / ttl) + current + 1 <= limit then counted = 1 end
redis.call('HSET', KEYS[1], 'windowStart', windowStart, 'current', current + counted, 'previous', previous)
redis.call('PEXPIRE', KEYS[1], 2 * ttl)
return { current, previous, counted }
`;

/**
 * The sliding-window counters of SlidingWindowThrottlerStorage, kept in Redis
 * so that every gateway replica counts against the same budget. When Redis
 * cannot be reached the request passes (fail open: an outage of the counters
 * must not become an outage of the shop), the rate_limit_enforced gauge
 * drops to 0 and a warning says so once per outage.
 */
export class RedisSlidingWindowThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimits');
  private enforced = true;

  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    try {
      const [current, previous] = (await this.redis.eval(COUNT_REQUEST, 1, KEY_PREFIX + key, now, ttl, limit)) as [number, number, number];
      this.markEnforced(true);
      return slidingWindowDecision({ windowStart: windowStartAt(now, ttl), current, previous }, now, ttl, limit);
    } catch (error) {
      this.markEnforced(false, error);
      rateLimitUnenforced.inc();
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  private markEnforced(enforced: boolean, error?: unknown): void {
    rateLimitEnforced.set(enforced ? 1 : 0);
    if (enforced === this.enforced) return;
    this.enforced = enforced;
    if (enforced) this.logger.log('Rate limits are enforced again: their counters in Redis answer');
    else
      this.logger.warn(
        `Rate limits are NOT enforced: their counters in Redis do not answer or take writes (${(error as Error)?.message ?? String(error)}); requests pass`,
      );
  }
}

import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { RedisHealthIndicator } from './redis-health.indicator';

function indicator(ping?: () => Promise<string>): RedisHealthIndicator {
  return new RedisHealthIndicator(new HealthIndicatorService(), ping ? ({ ping } as unknown as Redis) : undefined);
}

describe('RedisHealthIndicator', () => {
  it('does not apply to a process without REDIS_URL', () => {
    expect(indicator().applies).toBe(false);
    expect(indicator(async () => 'PONG').applies).toBe(true);
  });

  it('reports redis up while it answers PING', async () => {
    await expect(indicator(async () => 'PONG').check()).resolves.toEqual({ redis: { status: 'up' } });
  });

  it('reports redis down without echoing the client error', async () => {
    const result = await indicator(() => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.9:6379 NOAUTH secret'))).check();
    expect(result).toEqual({ redis: { status: 'down', message: 'redis is not reachable' } });
  });
});

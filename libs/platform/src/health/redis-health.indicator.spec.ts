import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { connected, PrivateRedisServer } from '../../../../test/harness/redis';
import { describeWith } from '../../../../test/harness/services';
import { RedisHealthIndicator } from './redis-health.indicator';

function indicator(set?: () => Promise<string>): RedisHealthIndicator {
  return new RedisHealthIndicator(new HealthIndicatorService(), set ? ({ set } as unknown as Redis) : undefined);
}

describe('RedisHealthIndicator', () => {
  it('does not apply to a process without REDIS_URL', () => {
    expect(indicator().applies).toBe(false);
    expect(indicator(async () => 'OK').applies).toBe(true);
  });

  it('reports redis up while it takes a write', async () => {
    await expect(indicator(async () => 'OK').check()).resolves.toEqual({ redis: { status: 'up' } });
  });

  it('reports redis down without echoing the client error', async () => {
    const result = await indicator(() => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.9:6379 NOAUTH secret'))).check();
    expect(result).toEqual({ redis: { status: 'down', message: 'redis is not reachable or does not take writes' } });
  });

  it('reports redis down when it answers but refuses writes, as a replica or out of memory does', async () => {
    const result = await indicator(() => Promise.reject(new Error("READONLY You can't write against a read only replica."))).check();
    expect(result.redis.status).toBe('down');
  });
});

describeWith(['redis'])('RedisHealthIndicator on a Redis', () => {
  it('reports redis down while it is out of memory and refuses writes, though it answers PING, and up once it has room', async () => {
    const server = await PrivateRedisServer.start('health-out-of-memory');
    const redis = await connected(new Redis(server.url));
    const health = new RedisHealthIndicator(new HealthIndicatorService(), redis);
    try {
      await expect(health.check()).resolves.toEqual({ redis: { status: 'up' } });

      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      await redis.config('SET', 'maxmemory', '1');
      expect(await redis.ping()).toBe('PONG');
      expect((await health.check()).redis.status).toBe('down');

      await redis.config('SET', 'maxmemory', '0');
      await expect(health.check()).resolves.toEqual({ redis: { status: 'up' } });
    } finally {
      redis.disconnect();
      await server.stop();
    }
  }, 30_000);
});

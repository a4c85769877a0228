import { randomBytes } from 'node:crypto';
import { createSharedRedis } from '@tessera/platform';
import type Redis from 'ioredis';
import { assertRedisReachable, connected, PrivateRedisServer, TEST_REDIS_URL } from '../../../../test/harness/redis';
import { rateLimitEnforced } from './rate-limit-metrics';
import { RedisSlidingWindowThrottlerStorage } from './redis-sliding-window.throttler-storage';
import { SlidingWindowThrottlerStorage } from './sliding-window.throttler-storage';
import { describeWith } from '../../../../test/harness/services';

const MINUTE = 60_000;
const quietLogger = { warn: () => undefined, log: () => undefined };

async function gaugeValue(): Promise<number> {
  return (await rateLimitEnforced.get()).values[0].value;
}

describeWith(['redis'])('RedisSlidingWindowThrottlerStorage', () => {
  let redis: Redis;
  let now: number;
  const start = 10 * MINUTE;

  beforeAll(async () => {
    await assertRedisReachable();
    redis = await connected(createSharedRedis(TEST_REDIS_URL, `t-unit-${randomBytes(4).toString('hex')}`, quietLogger));
  });

  afterAll(() => redis?.disconnect());

  beforeEach(() => {
    now = start;
  });

  const key = () => `default:${randomBytes(4).toString('hex')}`;

  it('answers exactly what the in-memory counters answer, request by request, across windows', async () => {
    const shared = new RedisSlidingWindowThrottlerStorage(redis, () => now);
    const local = new SlidingWindowThrottlerStorage(() => now);
    const client = key();
    for (const at of [0, 1_000, 59_000, 59_500, 60_500, 61_000, 90_000, 119_999, 120_000, 150_000, 250_000]) {
      now = start + at;
      for (let request = 0; request < 4; request++) {
        await expect(shared.increment(client, MINUTE, 10)).resolves.toEqual(await local.increment(client, MINUTE, 10));
      }
    }
  });

  it('lets two replicas together take the limit and no more, even when they count at once', async () => {
    const first = new RedisSlidingWindowThrottlerStorage(redis, () => now);
    const second = new RedisSlidingWindowThrottlerStorage(redis, () => now);
    const client = key();
    const records = await Promise.all(Array.from({ length: 30 }, (_, request) => (request % 2 ? first : second).increment(client, MINUTE, 10)));
    expect(records.filter((record) => !record.isBlocked)).toHaveLength(10);
  });

  it('keeps each namespace and each key apart', async () => {
    const other = await connected(createSharedRedis(TEST_REDIS_URL, `t-unit-${randomBytes(4).toString('hex')}`, quietLogger));
    try {
      const client = key();
      for (let request = 0; request < 10; request++) await new RedisSlidingWindowThrottlerStorage(redis, () => now).increment(client, MINUTE, 10);
      await expect(new RedisSlidingWindowThrottlerStorage(redis, () => now).increment(client, MINUTE, 10)).resolves.toMatchObject({ isBlocked: true });
      await expect(new RedisSlidingWindowThrottlerStorage(redis, () => now).increment(key(), MINUTE, 10)).resolves.toMatchObject({ isBlocked: false });
      await expect(new RedisSlidingWindowThrottlerStorage(other, () => now).increment(client, MINUTE, 10)).resolves.toMatchObject({ isBlocked: false });
    } finally {
      other.disconnect();
    }
  });

  it('lets requests through while Redis is down, says so in rate_limit_enforced, and counts again once it is back', async () => {
    const server = await PrivateRedisServer.start('throttler-storage-spec');
    const own = await connected(createSharedRedis(server.url, 't-unit', quietLogger));
    try {
      const storage = new RedisSlidingWindowThrottlerStorage(own, () => now);
      const client = key();
      await expect(storage.increment(client, MINUTE, 1)).resolves.toMatchObject({ isBlocked: false });
      await expect(storage.increment(client, MINUTE, 1)).resolves.toMatchObject({ isBlocked: true });
      expect(await gaugeValue()).toBe(1);

      await server.stop();
      await expect(storage.increment(client, MINUTE, 1)).resolves.toMatchObject({ isBlocked: false });
      expect(await gaugeValue()).toBe(0);

      await server.start();
      await connected(own);
      await expect(storage.increment(client, MINUTE, 1)).resolves.toMatchObject({ isBlocked: false });
      await expect(storage.increment(client, MINUTE, 1)).resolves.toMatchObject({ isBlocked: true });
      expect(await gaugeValue()).toBe(1);
    } finally {
      own.disconnect();
      await server.stop();
    }
  }, 30_000);
});

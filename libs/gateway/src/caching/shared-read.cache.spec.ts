import { randomBytes } from 'node:crypto';
import { createSharedRedis } from '@tessera/platform';
import type Redis from 'ioredis';
import { untilPasses } from '../../../../test/harness/eventually';
import { assertRedisReachable, connected, PrivateRedisServer, TEST_REDIS_URL } from '../../../../test/harness/redis';
import { SharedReadCache } from './shared-read.cache';
import { describeWith } from '../../../../test/harness/services';

const quietLogger = { warn: () => undefined, log: () => undefined };

/** A source that answers its current value and counts the reads; `hold()` keeps the next answers until `release()`. */
function source(initial: string) {
  const state = { value: initial, reads: 0, held: [] as (() => void)[], holding: false };
  return {
    state,
    load: async (): Promise<string> => {
      state.reads += 1;
      const value = state.value;
      if (state.holding) await new Promise<void>((resolve) => state.held.push(resolve));
      return value;
    },
    hold: () => (state.holding = true),
    release: () => {
      state.holding = false;
      state.held.splice(0).forEach((resolve) => resolve());
    },
  };
}

describeWith(['redis'])('SharedReadCache', () => {
  let redis: Redis;

  beforeAll(async () => {
    await assertRedisReachable();
    redis = await connected(createSharedRedis(TEST_REDIS_URL, `t-unit-${randomBytes(4).toString('hex')}`, quietLogger));
  });

  afterAll(() => redis?.disconnect());

  const replicas = () => {
    const name = `thing-${randomBytes(4).toString('hex')}`;
    return [new SharedReadCache<string>(redis, name, 60_000), new SharedReadCache<string>(redis, name, 60_000)] as const;
  };

  it('reads the source once for every replica, and again for all of them after one invalidates', async () => {
    const [first, second] = replicas();
    const thing = source('old');
    await expect(first.read('k', thing.load)).resolves.toBe('old');
    await expect(second.read('k', thing.load)).resolves.toBe('old');
    expect(thing.state.reads).toBe(1);

    thing.state.value = 'new';
    await first.invalidate('k');
    await expect(second.read('k', thing.load)).resolves.toBe('new');
    await expect(first.read('k', thing.load)).resolves.toBe('new');
    expect(thing.state.reads).toBe(2);
  });

  it('does not keep what a read under way saw before an invalidation', async () => {
    const [first, second] = replicas();
    const thing = source('old');
    thing.hold();
    const slowRead = second.read('k', thing.load);
    await untilPasses(() => expect(thing.state.reads).toBe(1));
    thing.state.value = 'new';
    await first.invalidate('k');
    thing.release();
    await expect(slowRead).resolves.toBe('old');

    await expect(first.read('k', thing.load)).resolves.toBe('new');
  });

  it('keeps nothing for undefined, and passes a failure of the source on', async () => {
    const [cache] = replicas();
    let reads = 0;
    await expect(cache.read('k', async () => (reads++, undefined))).resolves.toBeUndefined();
    await expect(cache.read('k', async () => (reads++, undefined))).resolves.toBeUndefined();
    expect(reads).toBe(2);
    await expect(cache.read('k', () => Promise.reject(new Error('source down')))).rejects.toThrow('source down');
  });

  it('reads the source while Redis is down, and an invalidation made meanwhile reaches Redis once it is back', async () => {
    const server = await PrivateRedisServer.start('shared-read-cache-spec');
    const own = await connected(createSharedRedis(server.url, 't-unit', quietLogger));
    const other = await connected(createSharedRedis(server.url, 't-unit', quietLogger));
    const cache = new SharedReadCache<string>(own, 'thing', 60_000);
    const otherReplica = new SharedReadCache<string>(other, 'thing', 60_000);
    try {
      const thing = source('old');
      await cache.read('k', thing.load);
      // Redis keeps the entry while this replica loses it: a partition, not a restart.
      const ended = new Promise((resolve) => own.once('end', resolve));
      own.disconnect();
      await ended;
      thing.state.value = 'new';
      await cache.invalidate('k');
      await expect(cache.read('k', thing.load)).resolves.toBe('new');

      await own.connect();
      await untilPasses(async () => expect(await otherReplica.read('k', thing.load)).toBe('new'), 10_000, 100);
    } finally {
      cache.close();
      own.disconnect();
      other.disconnect();
      await server.stop();
    }
  }, 30_000);
});

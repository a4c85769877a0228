import { SlidingWindowThrottlerStorage } from './sliding-window.throttler-storage';

const MINUTE = 60_000;

function storageAt(start = 10 * MINUTE) {
  let now = start;
  const storage = new SlidingWindowThrottlerStorage(() => now);
  return { storage, at: (ms: number) => (now = start + ms), hit: (key = 'default:203.0.113.7', limit = 10) => storage.increment(key, MINUTE, limit) };
}

describe('SlidingWindowThrottlerStorage', () => {
  it('lets a client make its limit of requests in a minute and refuses the next, without counting the refusal', async () => {
    const { hit } = storageAt();
    for (let request = 1; request <= 10; request++) await expect(hit()).resolves.toMatchObject({ isBlocked: false, totalHits: request });
    await expect(hit()).resolves.toMatchObject({ isBlocked: true, totalHits: 11 });
    await expect(hit()).resolves.toMatchObject({ isBlocked: true, totalHits: 11 });
  });

  it('keeps budgets apart by key', async () => {
    const { hit } = storageAt();
    for (let request = 1; request <= 10; request++) await hit('default:203.0.113.7');
    await expect(hit('default:203.0.113.8')).resolves.toMatchObject({ isBlocked: false });
    await expect(hit('login:203.0.113.7')).resolves.toMatchObject({ isBlocked: false });
  });

  it('answers a Retry-After after which the next request is let in, and not before', async () => {
    const { hit, at } = storageAt();
    for (let request = 1; request <= 10; request++) await hit();
    const refused = await hit();
    expect(refused.timeToBlockExpire).toBe(66);
    at(65_000);
    await expect(hit()).resolves.toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    at(66_000);
    await expect(hit()).resolves.toMatchObject({ isBlocked: false });
  });

  it("does not let a client double its budget across a window's edge", async () => {
    const { hit, at } = storageAt();
    at(59_000);
    for (let request = 1; request <= 10; request++) await hit();
    at(61_000);
    await expect(hit()).resolves.toMatchObject({ isBlocked: true });
    at(59_000 + MINUTE);
    await expect(hit()).resolves.toMatchObject({ isBlocked: false });
  });

  it('keeps one record per client however many requests it makes, and forgets clients idle for two windows', async () => {
    const { storage, hit, at } = storageAt();
    for (let request = 0; request < 10_000; request++) await hit('default:203.0.113.7', 100_000);
    await hit('default:203.0.113.8');
    expect(storage.size).toBe(2);
    at(MINUTE + 1_000);
    await hit('default:203.0.113.8');
    at(2 * MINUTE);
    expect(storage.sweep()).toBe(1);
    expect(storage.size).toBe(1);
  });
});

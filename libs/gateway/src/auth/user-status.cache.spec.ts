import { ERROR_CODES, UserView } from '@tessera/contracts';
import { ContextClient, RemoteError } from '@tessera/messaging';
import { UserStatusCache } from './user-status.cache';

const ADA = 'a0000000-0000-4000-8000-000000000001';
const BOB = 'b0000000-0000-4000-8000-000000000002';

/** A users context that answers get-user from a map and counts its round trips. */
class FakeUsers {
  readonly users = new Map<string, Pick<UserView, 'status' | 'role'>>();
  calls = 0;
  pending: (() => void)[] = [];
  holdAnswers = false;

  async send<T>(_pattern: string, request: { userId: string }): Promise<T> {
    this.calls += 1;
    if (this.holdAnswers) await new Promise<void>((resolve) => this.pending.push(resolve));
    const user = this.users.get(request.userId);
    if (!user) throw new RemoteError(ERROR_CODES.USER_NOT_FOUND, 'No such user');
    return { id: request.userId, email: 'x@example.com', name: 'X', createdAt: '2025-01-01T00:00:00.000Z', ...user } as T;
  }

  release(): void {
    this.pending.splice(0).forEach((resolve) => resolve());
  }
}

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const users = new FakeUsers();
  const cache = new UserStatusCache(users as unknown as ContextClient, { ...options, now: () => now });
  return { users, cache, advance: (ms: number) => (now += ms) };
}

describe('UserStatusCache', () => {
  it('reads a user once, then answers from memory', async () => {
    const { users, cache } = setup();
    users.users.set(ADA, { status: 'active', role: 'customer' });
    await expect(cache.get(ADA)).resolves.toEqual({ status: 'active', role: 'customer' });
    await expect(cache.get(ADA)).resolves.toEqual({ status: 'active', role: 'customer' });
    expect(users.calls).toBe(1);
  });

  it('sees a deactivation as soon as the user is invalidated', async () => {
    const { users, cache } = setup();
    users.users.set(ADA, { status: 'active', role: 'customer' });
    await cache.get(ADA);
    users.users.set(ADA, { status: 'inactive', role: 'customer' });
    await expect(cache.get(ADA)).resolves.toMatchObject({ status: 'active' });
    cache.invalidate(ADA);
    await expect(cache.get(ADA)).resolves.toMatchObject({ status: 'inactive' });
  });

  it('treats ids case-insensitively, as UUIDs are', async () => {
    const { users, cache } = setup();
    users.users.set(ADA, { status: 'active', role: 'customer' });
    await cache.get(ADA.toUpperCase());
    users.users.set(ADA, { status: 'inactive', role: 'customer' });
    cache.invalidate(ADA.toUpperCase());
    await expect(cache.get(ADA)).resolves.toMatchObject({ status: 'inactive' });
  });

  it('reads the user again once the TTL has passed, even without an invalidation', async () => {
    const { users, cache, advance } = setup({ ttlMs: 60_000 });
    users.users.set(ADA, { status: 'active', role: 'customer' });
    await cache.get(ADA);
    users.users.set(ADA, { status: 'inactive', role: 'customer' });
    advance(59_999);
    await expect(cache.get(ADA)).resolves.toMatchObject({ status: 'active' });
    advance(1);
    await expect(cache.get(ADA)).resolves.toMatchObject({ status: 'inactive' });
    expect(users.calls).toBe(2);
  });

  it('answers undefined for a user that does not exist, and propagates other failures', async () => {
    const { users, cache } = setup();
    await expect(cache.get(ADA)).resolves.toBeUndefined();
    users.send = async () => {
      throw new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'users is unavailable');
    };
    await expect(cache.get(BOB)).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });
    expect(cache.size).toBe(0);
  });

  it('shares one read among concurrent requests for the same user', async () => {
    const { users, cache } = setup();
    users.users.set(ADA, { status: 'active', role: 'admin' });
    users.holdAnswers = true;
    const reads = [cache.get(ADA), cache.get(ADA), cache.get(ADA)];
    users.release();
    await expect(Promise.all(reads)).resolves.toEqual(Array(3).fill({ status: 'active', role: 'admin' }));
    expect(users.calls).toBe(1);
  });

  it('does not keep a read that an invalidation overtook', async () => {
    const { users, cache } = setup();
    users.users.set(ADA, { status: 'active', role: 'customer' });
    users.holdAnswers = true;
    const stale = cache.get(ADA);
    await Promise.resolve();
    cache.invalidate(ADA);
    users.release();
    await stale;
    users.holdAnswers = false;
    users.users.set(ADA, { status: 'inactive', role: 'customer' });
    await expect(cache.get(ADA)).resolves.toMatchObject({ status: 'inactive' });
  });

  it('stays within its size, dropping the least recently used user first', async () => {
    const { users, cache } = setup({ maxEntries: 2 });
    const ids = [ADA, BOB, 'c0000000-0000-4000-8000-000000000003'];
    ids.forEach((id) => users.users.set(id, { status: 'active', role: 'customer' }));
    await cache.get(ids[0]);
    await cache.get(ids[1]);
    await cache.get(ids[0]);
    await cache.get(ids[2]);
    expect(cache.size).toBe(2);
    users.calls = 0;
    await cache.get(ids[0]);
    expect(users.calls).toBe(0);
    await cache.get(ids[1]);
    expect(users.calls).toBe(1);
  });
});

import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { ERROR_CODES, GetUserRequest, USERS_PATTERNS, UserRole, UserStatus, UserView } from '@tessera/contracts';
import { ContextClient, InjectContextClient, RemoteError } from '@tessera/messaging';
import { SHARED_REDIS } from '@tessera/platform';
import type Redis from 'ioredis';
import { SharedReadCache } from '../caching/shared-read.cache';

/** What the gateway needs to know about a token's user on every request. */
export interface UserAccess {
  status: UserStatus;
  role: UserRole;
}

export interface UserStatusCacheOptions {
  /** How long an entry is trusted without news; the safety net for a missed deactivation event. */
  ttlMs: number;
  maxEntries: number;
  now: () => number;
}

export const USER_STATUS_CACHE_OPTIONS = Symbol('USER_STATUS_CACHE_OPTIONS');

const DEFAULT_OPTIONS: UserStatusCacheOptions = { ttlMs: 60_000, maxEntries: 10_000, now: () => Date.now() };

interface Entry {
  access: UserAccess;
  expiresAt: number;
}

/**
 * The status and role of recently seen users, so that a request costs no
 * users round trip, while a deactivation takes effect at once: the
 * deactivation event (or the gateway's own deactivate call) evicts the entry,
 * and the next request reads the user afresh. In memory, bounded in size,
 * least recently used first out; in Redis, shared by every gateway replica,
 * when REDIS_URL is set, so that one eviction reaches them all.
 */
@Injectable()
export class UserStatusCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<UserAccess | undefined>>();
  private readonly options: UserStatusCacheOptions;
  private readonly shared?: SharedReadCache<UserAccess>;

  constructor(
    @InjectContextClient('users') private readonly users: ContextClient,
    @Optional() @Inject(USER_STATUS_CACHE_OPTIONS) options?: Partial<UserStatusCacheOptions>,
    @Optional() @Inject(SHARED_REDIS) redis?: Redis,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    if (redis) this.shared = new SharedReadCache(redis, 'user-access', this.options.ttlMs);
  }

  /** The user's access, or undefined when the user does not exist. A users failure propagates. */
  async get(id: string): Promise<UserAccess | undefined> {
    const userId = id.toLowerCase();
    if (this.shared) return this.shared.read(userId, () => this.fetch(userId));
    const entry = this.entries.get(userId);
    if (entry && entry.expiresAt > this.options.now()) {
      this.entries.delete(userId);
      this.entries.set(userId, entry);
      return entry.access;
    }
    this.entries.delete(userId);
    return this.loading.get(userId) ?? this.load(userId);
  }

  /** Forgets the user, and any read already under way, so the next request asks users again. */
  async invalidate(id: string): Promise<void> {
    const userId = id.toLowerCase();
    this.entries.delete(userId);
    this.loading.delete(userId);
    await this.shared?.invalidate(userId);
  }

  onModuleDestroy(): void {
    this.shared?.close();
  }

  get size(): number {
    return this.entries.size;
  }

  private load(userId: string): Promise<UserAccess | undefined> {
    const loading = this.fetch(userId).then(
      (access) => {
        // A read that started before an invalidation may carry the old status: it answers its own callers but is not kept.
        if (this.loading.get(userId) === loading) {
          this.loading.delete(userId);
          if (access) this.store(userId, access);
        }
        return access;
      },
      (error: unknown) => {
        if (this.loading.get(userId) === loading) this.loading.delete(userId);
        throw error;
      },
    );
    this.loading.set(userId, loading);
    return loading;
  }

  private async fetch(userId: string): Promise<UserAccess | undefined> {
    try {
      const user = await this.users.send<UserView, GetUserRequest>(USERS_PATTERNS.GET_USER, { userId });
      return { status: user.status, role: user.role };
    } catch (error) {
      if (error instanceof RemoteError && error.code === ERROR_CODES.USER_NOT_FOUND) return undefined;
      throw error;
    }
  }

  private store(userId: string, access: UserAccess): void {
    this.entries.delete(userId);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(userId, { access, expiresAt: this.options.now() + this.options.ttlMs });
  }
}

import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

/** How long an invalidation is remembered: longer than any read of the source may take (a request times out long before). */
const GENERATION_TTL_MS = 10 * 60_000;
const RETRY_INVALIDATIONS_MS = 1000;

/** Stores a value only if no invalidation came since the reader took its generation (empty: none known). */
const FILL = `
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/** Forgets the value and moves the generation on, so that a read under way cannot store what it read before. */
const INVALIDATE = `
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
`;

/**
 * Values that every gateway replica reads from one place, Redis: filled on a
 * miss from their source, forgotten by `invalidate`, which every replica sees
 * at once. A read that began before an invalidation may answer its own caller
 * with what it read, but never stores it (see FILL). While Redis does not
 * answer, reads go to the source and invalidations are retried until Redis
 * takes them, so what Redis holds when it is back is never older than what a
 * caller was told.
 */
export class SharedReadCache<T> {
  private readonly logger: Logger;
  /** Invalidations Redis has not taken yet; reads of these keys go to the source meanwhile. */
  private readonly unsettled = new Set<string>();
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly name: string,
    private readonly ttlMs: number,
  ) {
    this.logger = new Logger(`SharedReadCache:${name}`);
  }

  /** The cached value of `key`, or `load()`'s, stored for the next reader when it is not undefined. */
  async read(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.unsettled.has(key)) return load();
    let generation: string;
    try {
      const [cached, known] = await this.redis.mget(this.valueKey(key), this.generationKey(key));
      if (cached !== null) return JSON.parse(cached) as T;
      generation = known ?? '';
    } catch {
      return load();
    }
    const value = await load();
    if (value !== undefined) {
      await this.redis.eval(FILL, 2, this.valueKey(key), this.generationKey(key), generation, JSON.stringify(value), this.ttlMs).catch(() => undefined);
    }
    return value;
  }

  /** Forgets `key` for every replica; when Redis does not answer, retried until it does. Never throws. */
  async invalidate(key: string): Promise<void> {
    this.unsettled.add(key);
    await this.settle(key);
  }

  /** Stops retrying invalidations, for shutdown. */
  close(): void {
    clearTimeout(this.retry);
  }

  private async settle(key: string): Promise<void> {
    try {
      await this.redis.eval(INVALIDATE, 2, this.valueKey(key), this.generationKey(key), GENERATION_TTL_MS);
      this.unsettled.delete(key);
    } catch (error) {
      if (!this.retry) this.logger.warn(`Redis did not take an invalidation (${(error as Error)?.message ?? String(error)}); retrying every second`);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retry) return;
    this.retry = setTimeout(async () => {
      for (const key of [...this.unsettled]) await this.settle(key);
      this.retry = undefined;
      if (this.unsettled.size > 0) this.scheduleRetry();
    }, RETRY_INVALIDATIONS_MS);
    this.retry.unref();
  }

  private valueKey(key: string): string {
    return `cache:${this.name}:${key}`;
  }

  private generationKey(key: string): string {
    return `cache:${this.name}:${key}:generation`;
  }
}

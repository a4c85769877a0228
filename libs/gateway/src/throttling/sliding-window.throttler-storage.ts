import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { rolledTo, slidingWindowDecision, WindowCounts, windowStartAt } from './sliding-window';

interface StoredCounts extends WindowCounts {
  ttl: number;
}

/**
 * Rate-limit counters in memory, each request O(1): a sliding-window
 * counter per client and budget (see slidingWindowDecision), so a client
 * cannot double its budget at a window's edge, and nothing grows with the
 * number of requests (@nestjs/throttler's own store keeps, and filters on
 * every request, one timestamp per request of the last minute).
 * `sweep` forgets clients idle for two windows; the gateway runs it
 * periodically. A refused request is not counted, so a client that keeps
 * retrying is let in again once its earlier requests have slid out.
 */
export class SlidingWindowThrottlerStorage implements ThrottlerStorage {
  private readonly counts = new Map<string, StoredCounts>();

  constructor(private readonly now: () => number = Date.now) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    return this.incrementNow(key, ttl, limit);
  }

  /** `increment` without a promise, for the guard (RateLimiter) to decide a request in the same tick. */
  incrementNow(key: string, ttl: number, limit: number): ThrottlerStorageRecord {
    const now = this.now();
    const windowStart = windowStartAt(now, ttl);
    const stored = this.counts.get(key);
    const counts = stored?.windowStart === windowStart ? stored : { ...rolledTo(stored, windowStart, ttl), ttl };
    const record = slidingWindowDecision(counts, now, ttl, limit);
    if (!record.isBlocked) counts.current += 1;
    this.counts.set(key, counts);
    return record;
  }

  /** Forgets every client whose last request is more than a whole window behind, so it weighs nothing now; answers how many. */
  sweep(): number {
    const now = this.now();
    let forgotten = 0;
    for (const [key, counts] of this.counts) {
      if (counts.windowStart + 2 * counts.ttl <= now) {
        this.counts.delete(key);
        forgotten += 1;
      }
    }
    return forgotten;
  }

  get size(): number {
    return this.counts.size;
  }
}

import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/** One client's counts in one budget: requests taken in the current window and in the one before it. */
interface WindowCounts {
  ttl: number;
  windowStart: number;
  current: number;
  previous: number;
}

/**
 * Rate-limit counters in memory, each request O(1): a sliding-window
 * counter per client and budget, which estimates the requests of the last
 * `ttl` as those of the current fixed window plus the previous window's,
 * weighted by how much of it the sliding window still covers. So a client
 * cannot double its budget at a window's edge, and nothing grows with the
 * number of requests (@nestjs/throttler's own store keeps, and filters on
 * every request, one timestamp per request of the last minute).
 * `sweep` forgets clients idle for two windows; the gateway runs it
 * periodically. A refused request is not counted, so a client that keeps
 * retrying is let in again once its earlier requests have slid out.
 */
export class SlidingWindowThrottlerStorage implements ThrottlerStorage {
  private readonly counts = new Map<string, WindowCounts>();

  constructor(private readonly now: () => number = Date.now) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    const windowStart = Math.floor(now / ttl) * ttl;
    const counts = this.countsAt(key, windowStart, ttl);
    const weight = 1 - (now - windowStart) / ttl;
    const estimate = counts.previous * weight + counts.current;
    const timeToExpire = Math.ceil((windowStart + ttl - now) / 1000);
    if (estimate + 1 > limit) {
      return { totalHits: Math.ceil(estimate) + 1, timeToExpire, isBlocked: true, timeToBlockExpire: Math.max(1, Math.ceil(waitUntilAllowed(counts, now, ttl, limit) / 1000)) };
    }
    counts.current += 1;
    return { totalHits: Math.ceil(estimate + 1), timeToExpire, isBlocked: false, timeToBlockExpire: 0 };
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

  private countsAt(key: string, windowStart: number, ttl: number): WindowCounts {
    const counts = this.counts.get(key);
    if (!counts) {
      const fresh = { ttl, windowStart, current: 0, previous: 0 };
      this.counts.set(key, fresh);
      return fresh;
    }
    if (counts.windowStart !== windowStart) {
      counts.previous = counts.windowStart === windowStart - ttl ? counts.current : 0;
      counts.current = 0;
      counts.windowStart = windowStart;
    }
    return counts;
  }
}

/** Milliseconds until one more request fits the budget, the counts staying as they are meanwhile. */
function waitUntilAllowed(counts: WindowCounts, now: number, ttl: number, limit: number): number {
  const room = limit - 1;
  const windowEnd = counts.windowStart + ttl;
  if (counts.current <= room) {
    // Within this window: once the previous window's weight has fallen far enough.
    const covered = counts.previous > 0 ? 1 - (room - counts.current) / counts.previous : 0;
    return Math.max(0, counts.windowStart + covered * ttl - now);
  }
  // Only in the next window, where this window's requests become the previous ones and fade as it goes.
  return windowEnd - now + Math.max(0, (1 - room / counts.current) * ttl);
}

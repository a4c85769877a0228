import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/** One client's counts in one budget: requests taken in the current window and in the one before it. */
export interface WindowCounts {
  windowStart: number;
  current: number;
  previous: number;
}

/** The start of the fixed window of length `ttl` that `now` falls in. */
export function windowStartAt(now: number, ttl: number): number {
  return Math.floor(now / ttl) * ttl;
}

/** `counts` moved on to the window starting at `windowStart`: the current window becomes the previous one if they touch. */
export function rolledTo(counts: WindowCounts | undefined, windowStart: number, ttl: number): WindowCounts {
  if (!counts) return { windowStart, current: 0, previous: 0 };
  if (counts.windowStart === windowStart) return counts;
  return { windowStart, current: 0, previous: counts.windowStart === windowStart - ttl ? counts.current : 0 };
}

/**
 * Whether one more request fits, given the counts of the window `now` is in
 * (before counting it): the requests of the last `ttl` are estimated as those
 * of the current window plus the previous window's, weighted by how much of it
 * the sliding window still covers. The record is what the throttler answers.
 */
export function slidingWindowDecision(counts: WindowCounts, now: number, ttl: number, limit: number): ThrottlerStorageRecord {
  const weight = 1 - (now - counts.windowStart) / ttl;
  const estimate = counts.previous * weight + counts.current;
  const timeToExpire = Math.ceil((counts.windowStart + ttl - now) / 1000);
  if (estimate + 1 > limit) {
    return {
      totalHits: Math.ceil(estimate) + 1,
      timeToExpire,
      isBlocked: true,
      timeToBlockExpire: Math.max(1, Math.ceil(waitUntilAllowed(counts, now, ttl, limit) / 1000)),
    };
  }
  return { totalHits: Math.ceil(estimate + 1), timeToExpire, isBlocked: false, timeToBlockExpire: 0 };
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

import type { ExecutionContext } from '@nestjs/common';
import { SkipThrottle, Throttle } from '@nestjs/throttler';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RuntimeSettings } from '@tessera/platform';
import { MemoizedReflector } from '../common/memoized-reflector';
import { ProblemException } from '../problems/problem.exception';
import { RateLimiter } from './gateway-throttler.guard';
import { SlidingWindowThrottlerStorage } from './sliding-window.throttler-storage';
import { LoginRateLimit, throttlingOptions } from './throttling.options';

class Routes {
  read(): void {}
  @LoginRateLimit()
  login(): void {}
  @SkipThrottle()
  unlimited(): void {}
  @Throttle({ default: { limit: 2, ttl: 60_000 } })
  scarce(): void {}
}

const limits = { RATE_LIMIT_PER_MINUTE: 5, LOGIN_RATE_LIMIT_PER_MINUTE: 3 };
const settings = { get: (name: keyof typeof limits) => limits[name] } as unknown as RuntimeSettings;

/** A request to one of the routes, from `ip`, and the headers its reply was given. */
function requestTo(route: keyof Routes, ip = '203.0.113.7') {
  const headers: Record<string, unknown> = {};
  const reply = {
    header(name: string, value: unknown) {
      headers[name] = value;
      return reply;
    },
  };
  const context = {
    getHandler: () => Routes.prototype[route],
    getClass: () => Routes,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ ip, headers: {} }), getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

function limiterOver(storage: ThrottlerStorage): RateLimiter {
  const limiter = new RateLimiter(throttlingOptions(settings, storage), storage, new MemoizedReflector());
  limiter.onModuleInit();
  return limiter;
}

/** What the limiter decided for a request: passed, or the problem it refused it with. */
async function outcomeOf(limiter: RateLimiter, context: ExecutionContext): Promise<'passed' | { code: string }> {
  try {
    await limiter.decide(context);
    return 'passed';
  } catch (error) {
    return { code: (error as ProblemException).code };
  }
}

describe('RateLimiter', () => {
  it("counts each client's requests against its budget and says what is left of it, in the same tick over the in-memory store", () => {
    const limiter = limiterOver(new SlidingWindowThrottlerStorage());
    const first = requestTo('read');
    expect(limiter.decide(first.context)).toBe(true);
    expect(first.headers).toEqual({ 'X-RateLimit-Limit': 5, 'X-RateLimit-Remaining': 4, 'X-RateLimit-Reset': expect.any(Number) });
    expect(requestTo('read').headers).toEqual({});

    const second = requestTo('read');
    limiter.decide(second.context);
    expect(second.headers['X-RateLimit-Remaining']).toBe(3);
    const otherClient = requestTo('read', '198.51.100.1');
    limiter.decide(otherClient.context);
    expect(otherClient.headers['X-RateLimit-Remaining']).toBe(4);
  });

  it('refuses a request past its budget with 429 RATE_LIMITED and a plain Retry-After, the login budget included', async () => {
    const limiter = limiterOver(new SlidingWindowThrottlerStorage());
    const outcomes = [];
    for (let n = 0; n < 4; n++) outcomes.push(await outcomeOf(limiter, requestTo('login').context));
    expect(outcomes).toEqual(['passed', 'passed', 'passed', { code: 'RATE_LIMITED' }]);

    const refused = requestTo('login');
    await outcomeOf(limiter, refused.context);
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThan(0);
    expect(refused.headers['Retry-After-login']).toBeUndefined();
  });

  it("follows a route's @Throttle and @SkipThrottle", async () => {
    const limiter = limiterOver(new SlidingWindowThrottlerStorage());
    const scarce = [];
    for (let n = 0; n < 3; n++) scarce.push(await outcomeOf(limiter, requestTo('scarce').context));
    expect(scarce).toEqual(['passed', 'passed', { code: 'RATE_LIMITED' }]);

    for (let n = 0; n < 10; n++) expect(await outcomeOf(limiter, requestTo('unlimited').context)).toBe('passed');
    expect(requestTo('unlimited').headers).toEqual({});
  });

  it('waits for a store that answers with a promise, as the shared one in Redis does', async () => {
    const counted = new SlidingWindowThrottlerStorage();
    const remote: ThrottlerStorage = {
      increment: (key, ttl, limit) => new Promise((resolve) => setImmediate(() => resolve(counted.incrementNow(key, ttl, limit)))),
    };
    const limiter = limiterOver(remote);
    const outcomes = [];
    for (let n = 0; n < 6; n++) outcomes.push(await outcomeOf(limiter, requestTo('read').context));
    expect(outcomes).toEqual(['passed', 'passed', 'passed', 'passed', 'passed', { code: 'RATE_LIMITED' }]);
  });
});

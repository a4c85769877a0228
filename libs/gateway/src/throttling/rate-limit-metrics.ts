import { Counter, Gauge } from 'prom-client';

/** 1 while the rate limits are enforced; 0 while the shared counters cannot be reached and requests pass uncounted. */
export const rateLimitEnforced = new Gauge({
  name: 'rate_limit_enforced',
  help: 'Whether the last request was counted against its rate limits (1) or let through because the counters were unreachable (0)',
});
rateLimitEnforced.set(1);

export const rateLimitUnenforced = new Counter({
  name: 'rate_limit_unenforced_total',
  help: 'Requests let through without counting them against a rate limit, because the counters were unreachable',
});

import { register } from 'prom-client';
import { reportBacklog, type MessagingBacklogSource } from './messaging-metrics';

describe('the backlog gauges', () => {
  const stops: (() => void)[] = [];
  afterEach(() => stops.splice(0).forEach((stop) => stop()));

  it("still answers a scrape when a context's database does not, leaving that context's series out of it", async () => {
    const down: MessagingBacklogSource = {
      outbox: () => Promise.reject(new Error('Connection terminated unexpectedly')),
      deadLetters: () => Promise.reject(new Error('Connection terminated unexpectedly')),
    };
    const up: MessagingBacklogSource = { outbox: async () => ({ pending: 3, oldestPendingAgeSeconds: 1.5 }), deadLetters: async () => 2 };
    stops.push(reportBacklog('catalog', down), reportBacklog('ordering', up));

    const scraped = await register.metrics();

    expect(scraped).toContain('outbox_pending_events{context="ordering"} 3');
    expect(scraped).toContain('outbox_oldest_pending_age_seconds{context="ordering"} 1.5');
    expect(scraped).toContain('dead_letters{context="ordering"} 2');
    expect(scraped).not.toMatch(/^(outbox_pending_events|outbox_oldest_pending_age_seconds|dead_letters)\{context="catalog"\}/m);
  });

  it("still answers a scrape when a context's database hangs, and does not ask it again while the first read waits", async () => {
    // A network partition: the queries are neither answered nor refused.
    const outbox = jest.fn(() => new Promise<never>(() => undefined));
    const deadLetters = jest.fn(() => new Promise<never>(() => undefined));
    const up: MessagingBacklogSource = { outbox: async () => ({ pending: 1, oldestPendingAgeSeconds: 0.5 }), deadLetters: async () => 0 };
    stops.push(reportBacklog('catalog', { outbox, deadLetters }), reportBacklog('ordering', up));

    const scraped = await register.metrics();
    await register.metrics();

    expect(scraped).toContain('outbox_pending_events{context="ordering"} 1');
    expect(scraped).not.toMatch(/^(outbox_pending_events|outbox_oldest_pending_age_seconds|dead_letters)\{context="catalog"\}/m);
    // Each scrape asking again would hold one more of the pool's connections for as long as the partition lasts.
    expect(outbox).toHaveBeenCalledTimes(1);
    expect(deadLetters).toHaveBeenCalledTimes(1);
    // Two scrapes, each waiting out BACKLOG_READ_TIMEOUT_MS: more than jest's default leaves room for on a busy machine.
  }, 15_000);

  it("reads each context's outbox once a scrape for its two gauges", async () => {
    const outbox = jest.fn(async () => ({ pending: 0, oldestPendingAgeSeconds: 0 }));
    stops.push(reportBacklog('payments', { outbox, deadLetters: async () => 0 }));

    await register.metrics();

    expect(outbox).toHaveBeenCalledTimes(1);
  });
});

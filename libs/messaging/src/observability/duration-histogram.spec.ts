import { Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, DurationHistogram } from './duration-histogram';

describe('DurationHistogram', () => {
  const labelNames = ['pattern', 'outcome'] as const;
  const observations: [Record<(typeof labelNames)[number], string>, number][] = [
    [{ pattern: 'catalog.reserve-stock', outcome: 'ok' }, 0.00004],
    [{ pattern: 'catalog.reserve-stock', outcome: 'ok' }, 0.0001],
    [{ pattern: 'catalog.reserve-stock', outcome: 'ok' }, 0.0031],
    [{ pattern: 'catalog.reserve-stock', outcome: 'refused' }, 0.7],
    [{ pattern: 'ordering.place-order', outcome: 'ok' }, 10],
    [{ pattern: 'ordering.place-order', outcome: 'ok' }, 42],
  ];

  it('is written out by the registry exactly as prom-client writes its own histogram of the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const histogram = new DurationHistogram('request_duration_seconds', 'Requests, by pattern and outcome', labelNames, DURATION_BUCKETS, ours);
    const reference = new Histogram({
      name: 'request_duration_seconds',
      help: 'Requests, by pattern and outcome',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers: [theirs],
    });
    for (const [labels, seconds] of observations) {
      histogram.observe(labels, seconds);
      reference.observe(labels, seconds);
    }

    const written = await ours.metrics();
    expect(written).toBe(await theirs.metrics());
    expect(written).toContain('request_duration_seconds_bucket{le="0.0001",pattern="catalog.reserve-stock",outcome="ok"} 2');
    expect(written).toContain('request_duration_seconds_bucket{le="+Inf",pattern="ordering.place-order",outcome="ok"} 2');
    expect(written).toContain('request_duration_seconds_count{pattern="catalog.reserve-stock",outcome="refused"} 1');
  });

  it('forgets its series when the registry resets its metrics', async () => {
    const registry = new Registry();
    const histogram = new DurationHistogram('handled_seconds', 'Handled', ['pattern'], DURATION_BUCKETS, registry);
    histogram.observe({ pattern: 'users.get-user' }, 0.002);

    registry.resetMetrics();

    expect(await registry.metrics()).not.toContain('users.get-user');
  });
});

import { Metric, register, Registry } from 'prom-client';

/**
 * The buckets of every duration histogram: from 100 µs, about an in-process
 * hop, to 10 s, past any request timeout, so that a dashboard compares the
 * monolith with a split on the same scale.
 */
export const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series<L extends string> {
  labels: Record<L, string>;
  /** Observations per bucket, not yet cumulative; the last one past every bound (+Inf). */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram of durations in seconds, for the paths that observe
 * on every request and message. prom-client's own Histogram spends about
 * 0.7 µs an observation, most of it turning each float bound into a property
 * name, which was a tenth of an in-process request/reply
 * (docs/performance.md); this one counts into an array and leaves the work
 * to the scrape. It registers with prom-client's registry, which writes it
 * out as it writes its own histograms: `_bucket` series with `le`, `_sum` and
 * `_count`.
 */
export class DurationHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** The series by their label values, one level of maps a label, in labelNames' order: no key to build an observation. */
  private readonly byLabels = new Map<string, unknown>();
  private readonly series: Series<L>[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly buckets: readonly number[] = DURATION_BUCKETS,
    registry: Registry = register,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  observe(labels: Record<L, string>, seconds: number): void {
    const series = this.seriesOf(labels);
    let bucket = 0;
    while (bucket < this.buckets.length && seconds > this.buckets[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += seconds;
    series.count++;
  }

  private seriesOf(labels: Record<L, string>): Series<L> {
    let level = this.byLabels;
    const last = this.labelNames.length - 1;
    for (let index = 0; index < last; index++) {
      const value = labels[this.labelNames[index]];
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const value = last < 0 ? '' : labels[this.labelNames[last]];
    let series = level.get(value) as Series<L> | undefined;
    if (series === undefined) {
      series = { labels: { ...labels }, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      level.set(value, series);
      this.series.push(series);
    }
    return series;
  }

  /** What prom-client's registry asks of a metric to write it out, in the shape its Histogram answers. */
  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { labels, counts, sum, count } of this.series) {
      let cumulative = 0;
      this.buckets.forEach((bound, bucket) => {
        cumulative += counts[bucket];
        values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.byLabels.clear();
    this.series.length = 0;
  }
}

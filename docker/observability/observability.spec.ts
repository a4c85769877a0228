import { CONTEXT_NAMES } from '@tessera/contracts';
import '@tessera/messaging';
import '@tessera/platform';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'prom-client';
import { parse } from 'yaml';

// No Docker engine runs the suite: these checks hold the dashboard and the scrape targets to what the processes serve.

const HERE = __dirname;
const HISTOGRAM_SERIES = ['_bucket', '_count', '_sum'];

/** The metric names a PromQL expression reads: a name before its labels or range, or alone inside an aggregation. */
function metricsReadBy(expression: string): string[] {
  return [...expression.matchAll(/([a-z_:][a-z0-9_:]*)\s*[{[]/g), ...expression.matchAll(/\)\s*\(\s*([a-z_:][a-z0-9_:]*)\s*\)/g)].map(([, name]) => name);
}

describe('docker/observability', () => {
  it('charts only series the processes export, and every series the contract names', async () => {
    const exported = new Set(
      (await register.getMetricsAsJSON()).flatMap(({ name, type }) => (String(type) === 'histogram' ? HISTOGRAM_SERIES.map((suffix) => `${name}${suffix}`) : [name])),
    );
    const dashboard = JSON.parse(readFileSync(join(HERE, 'grafana', 'dashboards', 'tessera.json'), 'utf8'));
    const expressions: string[] = dashboard.panels.flatMap((panel: { targets: { expr: string }[] }) => panel.targets.map((target) => target.expr));
    const charted = new Set(expressions.flatMap(metricsReadBy));
    expect([...charted].filter((name) => !exported.has(name))).toEqual([]);
    for (const name of ['http_server_request_duration_seconds', 'messaging_request_duration_seconds', 'messaging_handler_duration_seconds']) {
      expect({ name, charted: HISTOGRAM_SERIES.some((suffix) => charted.has(`${name}${suffix}`)) }).toEqual({ name, charted: true });
    }
    for (const name of ['messaging_events_processed_total', 'outbox_pending_events', 'outbox_oldest_pending_age_seconds', 'dead_letters', 'circuit_breaker_open']) {
      expect({ name, charted: charted.has(name) }).toEqual({ name, charted: true });
    }
  });

  it('has Prometheus scrape every process of the split on the port the split gives it', () => {
    const split = parse(readFileSync(join(HERE, '..', 'compose.split.yml'), 'utf8'), { merge: true });
    const prometheus = parse(readFileSync(join(HERE, 'prometheus.yml'), 'utf8'));
    const targets: string[] = prometheus.scrape_configs.flatMap((job: { metrics_path: string; static_configs: { targets: string[] }[] }) => {
      expect(job.metrics_path).toBe('/metrics');
      return job.static_configs.flatMap((config) => config.targets);
    });
    const processes = ['gateway', ...CONTEXT_NAMES];
    expect(targets.sort()).toEqual(processes.map((name) => `${name}:${split.services[name].environment.PORT}`).sort());
  });
});

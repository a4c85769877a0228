import { CONTEXT_NAMES } from '@tessera/contracts';
import '@tessera/gateway';
import '@tessera/messaging';
import '@tessera/platform';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { parse, stringify } from 'yaml';
import { MetricsController } from '../../libs/platform/src/metrics/metrics.controller';

// No Docker engine runs the suite: these checks hold the dashboard, the scrape targets and the trace export to what the
// processes serve, and the overlays to the services the compose files define.

const HERE = __dirname;
const DOCKER = join(HERE, '..');
const IMAGE = 'tessera:local';
const HISTOGRAM_SERIES = ['_bucket', '_count', '_sum'];
/** Jaeger's ports: OTLP over HTTP, which the apps' exporter speaks (http/protobuf), and its UI and query API. */
const OTLP_HTTP_PORT = '4318';
const JAEGER_QUERY_PORT = '16686';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean> | string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
}

function compose(file: string): Record<string, Service> {
  return parse(readFileSync(file, 'utf8'), { merge: true }).services ?? {};
}

function environmentOf(service: Service | undefined): Record<string, string> {
  const raw = service?.environment ?? {};
  return Array.isArray(raw)
    ? Object.fromEntries(raw.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]))
    : Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, String(value)]));
}

/** The container side of each published port ("16686:16686", "127.0.0.1:4318:4318/tcp"). */
function containerPorts(service: Service | undefined): string[] {
  return (service?.ports ?? []).map((mapping) => String(mapping).split(':').pop()!.split('/')[0]);
}

/** Bind mounts: the source relative to docker/, the directory of the first compose file, and the target. */
function mounts(service: Service | undefined): { source: string; target: string }[] {
  return (service?.volumes ?? []).map((volume) => volume.split(':')).map(([source, target]) => ({ source, target }));
}

/** Where compose.yml runs Prometheus with its configuration (--config.file), which each overlay mounts. */
const PROMETHEUS_CONFIG = '/etc/prometheus/prometheus.yml';

/** The file, relative to docker/, that an overlay mounts as Prometheus's configuration. */
function prometheusConfigOf(overlay: Record<string, Service>): string {
  const [mounted] = mounts(overlay.prometheus).filter((mount) => mount.target === PROMETHEUS_CONFIG);
  return mounted.source;
}

/** Every PromQL query of the Grafana dashboard's panels. */
function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(join(HERE, 'grafana', 'dashboards', 'tessera.json'), 'utf8'));
  return dashboard.panels.flatMap((panel: { targets: { expr: string }[] }) => panel.targets.map((target) => target.expr));
}

/** Every series GET /metrics writes, Node's default metrics included: a histogram's as its three series. */
async function exportedSeries(): Promise<Set<string>> {
  // What GET /metrics does first: the default collectors, once per process.
  new MetricsController();
  return new Set(
    (await register.getMetricsAsJSON()).flatMap(({ name, type }) =>
      String(type) === 'histogram' ? HISTOGRAM_SERIES.map((suffix) => `${name}${suffix}`) : [name],
    ),
  );
}

/** The metric names a PromQL expression reads: a name before its labels or range, or alone inside an aggregation. */
function metricsReadBy(expression: string): string[] {
  return [...expression.matchAll(/([a-z_:][a-z0-9_:]*)\s*[{[]/g), ...expression.matchAll(/\)\s*\(\s*([a-z_:][a-z0-9_:]*)\s*\)/g)].map(([, name]) => name);
}

const backends = compose(join(HERE, 'compose.yml'));
const [jaegerName, jaeger] = Object.entries(backends).find(([, service]) => /^jaegertracing\/(all-in-one|jaeger):/.test(service.image ?? '')) ?? [];
/** Each compose file of docker/, with the overlay beside compose.yml that points the backends at its processes. */
const BASES = ['monolith', 'split'].map((name) => {
  const base = compose(join(DOCKER, `compose.${name}.yml`));
  const apps = Object.keys(base).filter((service) => base[service].image === IMAGE);
  return { name, file: `docker/compose.${name}.yml`, base, overlay: compose(join(HERE, `compose.${name}.yml`)), apps };
});

describe('docker/observability', () => {
  it('reads every series through job="tessera", as the alerts do, so that a shared Prometheus charts only Tessera\'s', () => {
    const unscoped = dashboardQueries().flatMap((query) => metricsReadBy(query).filter((name) => !query.includes(`${name}{job="tessera"`)));
    expect(unscoped).toEqual([]);
  });

  it('charts only series the processes export, and every series the contract names', async () => {
    const exported = await exportedSeries();
    const charted = new Set(dashboardQueries().flatMap(metricsReadBy));
    expect([...charted].filter((name) => !exported.has(name))).toEqual([]);
    for (const name of ['http_server_request_duration_seconds', 'messaging_request_duration_seconds', 'messaging_handler_duration_seconds']) {
      expect({ name, charted: HISTOGRAM_SERIES.some((suffix) => charted.has(`${name}${suffix}`)) }).toEqual({ name, charted: true });
    }
    for (const name of [
      'messaging_events_processed_total',
      'outbox_pending_events',
      'outbox_oldest_pending_age_seconds',
      'dead_letters',
      'circuit_breaker_open',
    ]) {
      expect({ name, charted: charted.has(name) }).toEqual({ name, charted: true });
    }
  });

  it('runs Jaeger at a pinned version, receiving OTLP over HTTP on every interface and publishing its UI', () => {
    expect(jaegerName).toBeDefined();
    expect(jaeger!.image).toMatch(/:\d+\.\d+\.\d+$/);
    expect(environmentOf(jaeger).JAEGER_LISTEN_HOST).toBe('0.0.0.0');
    expect(containerPorts(jaeger)).toEqual(expect.arrayContaining([JAEGER_QUERY_PORT, OTLP_HTTP_PORT]));
  });

  it('provisions Jaeger as a Grafana datasource at its query port, beside Prometheus as the default', () => {
    const directory = join(HERE, 'grafana', 'provisioning', 'datasources');
    const datasources: { name: string; type: string; url: string; isDefault?: boolean }[] = readdirSync(directory)
      .filter((name) => /\.ya?ml$/.test(name))
      .flatMap((name) => parse(readFileSync(join(directory, name), 'utf8')).datasources ?? []);
    const traces = datasources.filter((datasource) => datasource.type === 'jaeger');
    expect(traces.map((datasource) => datasource.url)).toEqual([`http://${jaegerName}:${JAEGER_QUERY_PORT}`]);
    expect(datasources.filter((datasource) => datasource.isDefault).map((datasource) => datasource.type)).toEqual(['prometheus']);
    expect(mounts(backends.grafana).map((mount) => mount.target)).toContain('/etc/grafana/provisioning');
    expect(backends.grafana.depends_on).toEqual(expect.arrayContaining([jaegerName]));
  });

  it('mounts only files that exist', () => {
    for (const services of [backends, ...BASES.map(({ overlay }) => overlay)]) {
      const sources = Object.values(services).flatMap((service) => mounts(service).map((mount) => mount.source));
      expect(sources.filter((source) => source.startsWith('.') && !existsSync(join(DOCKER, source)))).toEqual([]);
    }
  });

  describe.each(BASES)('with $file', ({ name, base, overlay, apps }) => {
    it('finds the processes it runs', () => {
      expect([...apps].sort()).toEqual(name === 'split' ? ['gateway', ...CONTEXT_NAMES].sort() : ['monolith']);
    });

    it('names only services that file or compose.yml defines, which compose would otherwise create without an image', () => {
      expect(Object.keys(overlay).filter((service) => !(service in base) && !(service in backends))).toEqual([]);
    });

    it('has Prometheus scrape each of its processes on the PORT it gives it', () => {
      expect(backends.prometheus.command).toContain(`--config.file=${PROMETHEUS_CONFIG}`);
      const prometheus = parse(readFileSync(join(DOCKER, prometheusConfigOf(overlay)), 'utf8'));
      const targets: string[] = prometheus.scrape_configs.flatMap((job: { metrics_path: string; static_configs: { targets: string[] }[] }) => {
        expect(job.metrics_path).toBe('/metrics');
        return job.static_configs.flatMap((static_config) => static_config.targets);
      });
      expect(targets.sort()).toEqual(apps.map((app) => `${app}:${environmentOf(base[app]).PORT}`).sort());
    });

    it('has each of its processes export traces to Jaeger over OTLP/HTTP', () => {
      for (const app of apps) {
        const endpoint = environmentOf(overlay[app]).OTEL_EXPORTER_OTLP_ENDPOINT;
        expect({ app, endpoint }).toEqual({ app, endpoint: expect.any(String) });
        const url = new URL(endpoint);
        // The base URL: the exporter appends /v1/traces to it.
        expect({ app, protocol: url.protocol, host: url.hostname, port: url.port, path: url.pathname }).toEqual({
          app,
          protocol: 'http:',
          host: jaegerName,
          port: OTLP_HTTP_PORT,
          path: '/',
        });
      }
    });
  });
});

/** The series Prometheus writes itself for every target it scrapes, not the processes. */
const PROMETHEUS_SERIES = ['up'];
const SEVERITIES = ['critical', 'warning'];

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alertRules: AlertRule[] = parse(readFileSync(join(HERE, 'alerts.yml'), 'utf8')).groups.flatMap((group: { rules: AlertRule[] }) => group.rules);
const alertTests = parse(readFileSync(join(HERE, 'alerts.test.yml'), 'utf8'));

/**
 * promtool, which checks and unit-tests the rules: $PROMTOOL, or on PATH, or
 * where .ci/run unpacks Debian's prometheus package (.data/tools).
 */
function findPromtool(): string | undefined {
  const candidates = [process.env.PROMTOOL, 'promtool', join(DOCKER, '..', '.data', 'tools', 'prometheus', 'usr', 'bin', 'promtool')];
  return candidates.find((candidate) => {
    if (!candidate) return false;
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs promtool, failing with what it printed. */
function promtool(path: string | undefined, args: string[]): void {
  if (!path) throw new Error('promtool not found: .ci/run unpacks it into .data/tools; PROMTOOL names another');
  try {
    execFileSync(path, args, { cwd: HERE, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

describe('docker/observability/alerts.yml', () => {
  it("alerts only on series the processes export, or on Prometheus's own up", async () => {
    const exported = await exportedSeries();
    for (const rule of alertRules) {
      const read = metricsReadBy(rule.expr);
      expect({ alert: rule.alert, reads: read.length > 0 }).toEqual({ alert: rule.alert, reads: true });
      expect({ alert: rule.alert, unknown: read.filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.includes(name)) }).toEqual({
        alert: rule.alert,
        unknown: [],
      });
    }
  });

  it('gives every alert a severity, a summary and a description, and a unit test in alerts.test.yml', () => {
    const tested = new Set(
      alertTests.tests.flatMap((test: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }) =>
        test.alert_rule_test.filter((check) => check.exp_alerts.length > 0).map((check) => check.alertname),
      ),
    );
    expect(alertRules.length).toBeGreaterThan(0);
    for (const { alert, labels, annotations } of alertRules) {
      expect({ alert, severity: SEVERITIES.includes(labels?.severity ?? '') }).toEqual({ alert, severity: true });
      expect({ alert, summary: typeof annotations?.summary, description: typeof annotations?.description }).toEqual({
        alert,
        summary: 'string',
        description: 'string',
      });
      expect({ alert, firesInATest: tested.has(alert) }).toEqual({ alert, firesInATest: true });
    }
  });

  it('is loaded by each Prometheus configuration, from beside it where compose.yml mounts it', () => {
    const target = '/etc/prometheus/alerts.yml';
    expect(mounts(backends.prometheus)).toContainEqual({ source: './observability/alerts.yml', target });
    expect(alertTests.rule_files).toEqual(['alerts.yml']);
    for (const { overlay } of BASES) {
      const config = prometheusConfigOf(overlay);
      // A relative rule file is read from the configuration's directory: /etc/prometheus in the container, docker/observability here.
      expect({ config, rules: parse(readFileSync(join(DOCKER, config), 'utf8')).rule_files }).toEqual({ config, rules: ['alerts.yml'] });
    }
  });

  const promtoolPath = findPromtool();
  // With CI=true a missing promtool fails these, as a missing service fails the e2e suites; .ci/run unpacks it.
  const promtoolWanted = promtoolPath !== undefined || process.env.CI === 'true';
  (promtoolWanted ? describe : describe.skip)(
    `checked by promtool${promtoolWanted ? '' : ' (skipped: promtool not found; set PROMTOOL, or CI=true to require it)'}`,
    () => {
      it('finds each Prometheus configuration valid, its rules included', () => {
        for (const { overlay } of BASES) promtool(promtoolPath, ['check', 'config', join(DOCKER, prometheusConfigOf(overlay))]);
      });

      it("finds every query of the Grafana dashboard valid PromQL, each checked as a recording rule's", () => {
        const folder = mkdtempSync(join(tmpdir(), 'tessera-dashboard-queries-'));
        try {
          const rules = { groups: [{ name: 'dashboard', rules: dashboardQueries().map((expr, index) => ({ record: `dashboard:query_${index}`, expr })) }] };
          writeFileSync(join(folder, 'queries.yml'), stringify(rules));
          promtool(promtoolPath, ['check', 'rules', join(folder, 'queries.yml')]);
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      });

      it('fires every alert in its unit test, and only there', () => {
        promtool(promtoolPath, ['test', 'rules', 'alerts.test.yml']);
      });
    },
  );
});

import type { NodeSDK } from '@opentelemetry/sdk-node';
import { refuseStartBeforeLaunch } from '../config/env-file';

// Imported before anything else of the process (apps/*/src/instrument.ts): the pg instrumentation patches `pg` as it
// is first loaded, so nothing of Nest, Fastify or TypeORM may load before it. Hence no import from the
// platform's index here.

let sdk: NodeSDK | undefined;

/**
 * Whether this process exports traces: only when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_ENDPOINT, or the one for traces) or another exporter is
 * asked for by name (OTEL_TRACES_EXPORTER), and the SDK is not disabled.
 * Otherwise tracing does not start at all, and costs nothing but the no-op
 * calls of the OpenTelemetry API.
 */
export function exportsTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  if (isSdkDisabled(env)) return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || exporter);
}

/**
 * Starts OpenTelemetry for the process `name` (monolith, gateway, catalog,
 * …) when it is to export traces (exportsTraces): spans of the SQL its
 * requests run (the official pg instrumentation, unless the
 * OTEL_NODE_*_INSTRUMENTATIONS variables leave it out: instrumentationsToLoad)
 * and, through the API, those
 * of the HTTP requests it serves (traceHttpRequests) and of the messaging
 * boundary (libs/messaging). Configured by the standard OTEL_* variables alone:
 * OTEL_SERVICE_NAME (default `tessera-<name>`), the OTLP exporter's, and the
 * sampler's (OTEL_TRACES_SAMPLER, default parent-based always-on). Metrics
 * and logs stay Prometheus's and stdout's: their OTLP exporters are off
 * unless asked for.
 */
export function startTracing(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const problems = tracingSettingsProblems(env);
  if (problems.length > 0) throw new TracingSettingsRefusal(`Invalid configuration: ${problems.join('; ')}`);
  if (sdk || !exportsTraces(env)) return false;
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  // Loaded here, not imported: the SDK, its exporters and the instrumentations take about 0.4 s to load, which a
  // process that does not trace (the default, and every restart of npm run start:dev) should not pay.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const loaded = instrumentationsToLoad(env);
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || `tessera-${name}`,
    instrumentations: loaded.includes('pg')
      ? // Queries of no request (the outbox relay's polls, the retention sweep) would each be a trace of one span.
        [new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true })]
      : [],
  });
  sdk.start();
  return true;
}

/**
 * The library instrumentations this process can load, by the names that
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS and OTEL_NODE_DISABLED_INSTRUMENTATIONS
 * use in OpenTelemetry's Node distribution (the package's name without
 * `@opentelemetry/instrumentation-`). The spans of HTTP requests and of the
 * messaging boundary are Tessera's own, not an instrumentation's, so they are
 * always made: a trace without them would not hold together.
 */
const INSTRUMENTATIONS = ['pg'] as const;
type InstrumentationName = (typeof INSTRUMENTATIONS)[number];

/**
 * The instrumentations that tracing loads, as OpenTelemetry's Node
 * distribution reads the two variables: the enabled list when set (all
 * otherwise), less the disabled list. `OTEL_NODE_DISABLED_INSTRUMENTATIONS=pg`
 * leaves out the SQL spans, the part of a trace that costs most to export
 * (docs/benchmarks.md, what tracing costs).
 */
export function instrumentationsToLoad(env: NodeJS.ProcessEnv): InstrumentationName[] {
  const enabled = namesIn(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabled = namesIn(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS);
  return INSTRUMENTATIONS.filter((name) => (enabled.length === 0 || enabled.includes(name)) && !disabled.includes(name));
}

function namesIn(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/** Why startTracing refused the OTEL_* settings, in one line that names each variable at fault. */
export class TracingSettingsRefusal extends Error {}

const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'];
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];
const RATIO_SAMPLERS = new Set(['traceidratio', 'parentbased_traceidratio']);
const EXPORTERS = ['otlp', 'zipkin', 'console', 'none'];

// As the SDK reads it (OpenTelemetry's boolean variables): true in any case.
function isSdkDisabled(env: NodeJS.ProcessEnv): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}

/**
 * What is wrong with the OTEL_* settings this process's tracing would start
 * with, each naming its variable. The SDK takes a value it does not know with
 * a diagnostic line that nobody sees (its diagnostic logger is off) and goes
 * on without exporting, or sampling every trace; the process refuses to start
 * instead, as for any other bad setting. What tracing that does not start
 * would read is not checked, so OTEL_SDK_DISABLED=true switches a broken
 * setting off at once.
 */
export function tracingSettingsProblems(env: NodeJS.ProcessEnv): string[] {
  const disabled = env.OTEL_SDK_DISABLED?.trim();
  if (disabled && !/^(true|false)$/i.test(disabled)) return [`OTEL_SDK_DISABLED must be true or false; got "${disabled}"`];
  const problems: string[] = [];
  const exporters =
    env.OTEL_TRACES_EXPORTER?.split(',')
      .map((name) => name.trim())
      .filter(Boolean) ?? [];
  for (const exporter of exporters.filter((name) => !EXPORTERS.includes(name))) {
    problems.push(`OTEL_TRACES_EXPORTER must name otlp, zipkin, console or none; got "${exporter}"`);
  }
  if (problems.length > 0 || !exportsTraces(env)) return problems;
  const protocolName = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[protocolName]?.trim() || 'http/protobuf';
  if (!PROTOCOLS.includes(protocol)) problems.push(`${protocolName} must be one of ${PROTOCOLS.join(', ')}; got "${protocol}"`);
  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
    const endpoint = env[name]?.trim();
    if (endpoint && !isEndpoint(endpoint, protocol)) {
      problems.push(`${name} must be an http:// or https:// URL${protocol === 'grpc' ? ' or host:port' : ''}; got "${endpoint}"`);
    }
  }
  // A name this process does not load would be taken without effect: a misspelt `pg` would leave the SQL spans in.
  for (const variable of ['OTEL_NODE_ENABLED_INSTRUMENTATIONS', 'OTEL_NODE_DISABLED_INSTRUMENTATIONS']) {
    const unknown = namesIn(env[variable]).filter((name) => !(INSTRUMENTATIONS as readonly string[]).includes(name));
    if (unknown.length > 0) {
      problems.push(
        `${variable} names ${unknown.map((name) => `"${name}"`).join(', ')}, which this process does not load: it loads ${INSTRUMENTATIONS.join(', ')} only (its HTTP and messaging spans are its own)`,
      );
    }
  }
  const sampler = env.OTEL_TRACES_SAMPLER?.trim();
  if (sampler && !SAMPLERS.includes(sampler)) problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}; got "${sampler}"`);
  if (sampler && RATIO_SAMPLERS.has(sampler)) {
    const ratio = env.OTEL_TRACES_SAMPLER_ARG?.trim();
    // Out of range, the SDK samples every trace: the opposite of what a ratio is set for. Unset is the standard's 1.
    if (ratio && !(Number(ratio) >= 0 && Number(ratio) <= 1)) {
      problems.push(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 with OTEL_TRACES_SAMPLER=${sampler} (the share of traces kept); got "${ratio}"`);
    }
  }
  return problems;
}

// The gRPC exporter also takes a bare host:port, which it reaches over https.
function isEndpoint(endpoint: string, protocol: string): boolean {
  if (protocol === 'grpc' && /^[^\s/:]+:\d{1,5}$/.test(endpoint)) return true;
  try {
    return ['http:', 'https:'].includes(new URL(endpoint).protocol);
  } catch {
    return false;
  }
}

/**
 * startTracing for a process's first line (apps/<app>/src/instrument.ts), after the .env file is read: OTEL_*
 * settings it refuses end the process with one line and the exit code of a bad configuration, as launch() would.
 */
export function startTracingOrExit(name: string): void {
  try {
    startTracing(name);
  } catch (error) {
    if (!(error instanceof TracingSettingsRefusal)) throw error;
    refuseStartBeforeLaunch(error.message);
  }
}

/** Whether this process traces (startTracing started the SDK): what only matters to spans can be left out otherwise. */
export function isTracing(): boolean {
  return sdk !== undefined;
}

/** Exports the spans still buffered and stops tracing; called as the process shuts down. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}

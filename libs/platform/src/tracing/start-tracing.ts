import type { NodeSDK } from '@opentelemetry/sdk-node';

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
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || exporter);
}

/**
 * Starts OpenTelemetry for the process `name` (monolith, gateway, catalog,
 * …) when it is to export traces (exportsTraces): spans of the SQL its
 * requests run (the official pg instrumentation) and, through the API, those
 * of the HTTP requests it serves (traceHttpRequests) and of the messaging
 * boundary (libs/messaging). Configured by the standard OTEL_* variables alone:
 * OTEL_SERVICE_NAME (default `tessera-<name>`), the OTLP exporter's, and the
 * sampler's (OTEL_TRACES_SAMPLER, default parent-based always-on). Metrics
 * and logs stay Prometheus's and stdout's: their OTLP exporters are off
 * unless asked for.
 */
export function startTracing(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (sdk || !exportsTraces(env)) return false;
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  // Loaded here, not imported: the SDK, its exporters and the instrumentations take about 0.4 s to load, which a
  // process that does not trace (the default, and every restart of npm run start:dev) should not pay.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || `tessera-${name}`,
    instrumentations: [
      // Queries of no request (the outbox relay's polls, the retention sweep) would each be a trace of one span.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    ],
  });
  sdk.start();
  return true;
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

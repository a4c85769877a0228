import { exportsTraces, instrumentationsToLoad, tracingSettingsProblems } from './start-tracing';

const EXPORTING = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

describe('the OTEL_* settings', () => {
  it.each([
    [{}],
    [EXPORTING],
    [{ ...EXPORTING, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }],
    [{ ...EXPORTING, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/v1/traces', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }],
    [{ ...EXPORTING, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }],
    // Unset, the ratio is the standard's default of 1.
    [{ ...EXPORTING, OTEL_TRACES_SAMPLER: 'traceidratio' }],
    [{ ...EXPORTING, OTEL_TRACES_SAMPLER: 'always_off', OTEL_TRACES_EXPORTER: 'otlp,console' }],
    [{ ...EXPORTING, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' }],
    [{ ...EXPORTING, OTEL_NODE_ENABLED_INSTRUMENTATIONS: ' pg ,', OTEL_NODE_DISABLED_INSTRUMENTATIONS: '' }],
    // Switched off, what else is set does not matter: it is how an operator turns a broken setting off at once.
    [{ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_SAMPLER: 'bogus' }],
  ])('takes %j', (env) => {
    expect(tracingSettingsProblems(env)).toEqual([]);
  });

  // The SDK ignores each of these with a diagnostic line that nobody sees (its logger is off): traces were silently not
  // exported, or sampled at 100 %.
  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'garbage' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL; got "garbage"'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL'],
    [{ ...EXPORTING, OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, 'OTEL_EXPORTER_OTLP_PROTOCOL must be one of http/protobuf, http/json, grpc; got "http"'],
    [{ ...EXPORTING, OTEL_TRACES_SAMPLER: 'ratio' }, 'OTEL_TRACES_SAMPLER must be one of'],
    [{ ...EXPORTING, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10' }, 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1'],
    [
      { ...EXPORTING, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' },
      'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1',
    ],
    [{ ...EXPORTING, OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER must name otlp, zipkin, console or none; got "jaeger"'],
    [{ ...EXPORTING, OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED must be true or false; got "yes"'],
    // Taken without effect, a misspelt name would leave the SQL spans in; a list copied from another service's setup
    // would say what it does not do here.
    [
      { ...EXPORTING, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pq' },
      'OTEL_NODE_DISABLED_INSTRUMENTATIONS names "pq", which this process does not load: it loads pg only',
    ],
    [
      { ...EXPORTING, OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg,fs' },
      'OTEL_NODE_ENABLED_INSTRUMENTATIONS names "http", "fs", which this process does not load',
    ],
  ])('refuses %j, naming the variable', (env, problem) => {
    expect(tracingSettingsProblems(env).join('; ')).toContain(problem);
  });

  it('are checked only as far as tracing starts: without an endpoint, a sampler is not used', () => {
    expect(tracingSettingsProblems({ OTEL_TRACES_SAMPLER: 'bogus' })).toEqual([]);
  });

  it('switch tracing off with OTEL_SDK_DISABLED in any case, as the SDK reads it', () => {
    expect(exportsTraces({ ...EXPORTING, OTEL_SDK_DISABLED: 'True' })).toBe(false);
  });

  describe("choose the instrumentations as OpenTelemetry's Node distribution does", () => {
    it.each([
      [{}, ['pg']],
      [{ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' }, []],
      [{ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg' }, ['pg']],
      // The enabled list first, then the disabled one: a name in both is left out.
      [{ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' }, []],
      [{ OTEL_NODE_ENABLED_INSTRUMENTATIONS: '', OTEL_NODE_DISABLED_INSTRUMENTATIONS: ' ' }, ['pg']],
    ])('%j loads %j', (env, loaded) => {
      expect(instrumentationsToLoad(env)).toEqual(loaded);
    });
  });
});

import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';

/** The spans a spec's code ended, as a process that traces would export them. */
export interface RecordedSpans {
  /** Every span ended so far. */
  all(): ReadableSpan[];
  /** The span of that name; fails the spec when there is none or several. */
  named(name: string): ReadableSpan;
  /** Forgets the spans ended so far. */
  clear(): void;
  /** Stops recording: the process is back to tracing nothing. */
  stop(): Promise<void>;
}

/**
 * Makes this process trace as `startTracing` would (W3C propagation, a
 * context that follows async work), every span kept in memory for the spec
 * to read.
 */
export function recordSpans(): RecordedSpans {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  return {
    all: () => exporter.getFinishedSpans(),
    named(name) {
      const spans = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (spans.length !== 1)
        throw new Error(
          `expected one span named "${name}", found ${spans.length}: ${exporter
            .getFinishedSpans()
            .map((s) => s.name)
            .join(', ')}`,
        );
      return spans[0];
    },
    clear: () => exporter.reset(),
    async stop() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

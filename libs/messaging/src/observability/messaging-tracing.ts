import {
  Attributes,
  context,
  Context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { isHealthCheckPattern } from '../handling/health-check-pattern';
import type { TransportName } from '../topology/topology';
import { MessageOutcome } from './messaging-metrics';

/**
 * The W3C trace context as it travels with a message (in its envelope) and
 * waits with an event in the outbox: `traceparent`, and `tracestate` when
 * there is one.
 */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** What a span of the messaging boundary does, as the messaging semantic conventions name it. */
export type MessagingOperation = 'send' | 'publish' | 'process';

// A proxy until the process starts tracing (libs/platform's startTracing), a no-op if it never does: then each span
// below is a non-recording one, and nothing is injected into envelopes.
const tracer = trace.getTracer('@tessera/messaging');

/** The span of work that is not traced. */
const UNTRACED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** `messaging.system` of each transport: the broker's well-known name, or what carries the message otherwise. */
const MESSAGING_SYSTEMS: Record<TransportName, string> = { inproc: 'in_process', tcp: 'tcp', nats: 'nats', rmq: 'rabbitmq' };

// What a process that registered no tracer provider traces with: a fresh proxy has no delegate, so it answers this one.
const NO_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether this process traces: a tracer provider is registered (startTracing,
 * or a spec's). When none is, every span would be a no-op and, with no
 * propagator either, no trace context would travel on; the messaging
 * boundary then leaves the API alone, which is a tenth of an in-process hop.
 */
export function tracesMessages(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_TRACER_PROVIDER;
}

/** The trace context of the running code, to send along; undefined when there is none (tracing off, or no span). */
export function currentTraceCarrier(): TraceCarrier | undefined {
  if (!tracesMessages()) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a message was sent from, to start its handling's span under; the running one when it came without. */
function contextOfCarrier(carrier: TraceCarrier | undefined): Context {
  return carrier?.traceparent ? propagation.extract(ROOT_CONTEXT, carrier) : context.active();
}

/**
 * Runs `work` in the trace context of `carrier`, as the code that took it
 * (currentTraceCarrier) ran; without one, in no trace, whichever trace its
 * caller is in.
 */
export function inTraceContext<T>(carrier: TraceCarrier | null | undefined, work: () => T): T {
  if (!tracesMessages()) return work();
  return context.with(carrier?.traceparent ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT, work);
}

/**
 * Runs `work` inside a span of the messaging boundary: `send` a request
 * (client), `publish` an event (producer), or `process` a request (server) or
 * an event (consumer). Whatever `work` sends or publishes is a child of it,
 * and carries it in its envelope (toWire). The span ends with `work`, marked
 * an error when `work` failed unexpectedly; a refusal is an answer, not an
 * error of the system. Health checks are not traced (isHealthCheckPattern).
 */
export function inMessagingSpan<T>(
  operation: MessagingOperation,
  pattern: string,
  options: {
    transport: TransportName;
    kind?: SpanKind;
    /** The trace context the message came with, for its handling; without it, the span is a child of the running one. */
    sentWith?: TraceCarrier;
    attributes?: Attributes;
    /** How a failure of `work` ended, to mark the span; without it, `work` marks its own failures (markFailed). */
    outcomeOf?: (error: unknown) => MessageOutcome;
  },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  if (isHealthCheckPattern(pattern) || !tracesMessages()) return work(UNTRACED);
  const parent = contextOfCarrier(options.sentWith);
  const span = tracer.startSpan(
    `${operation} ${pattern}`,
    {
      kind: options.kind ?? KIND_OF[operation],
      attributes: {
        'messaging.system': MESSAGING_SYSTEMS[options.transport],
        'messaging.operation': operation,
        'messaging.operation.type': operation,
        'messaging.destination.name': pattern,
        ...options.attributes,
      },
    },
    parent,
  );
  if (!span.isRecording()) {
    // Tracing off, the span is nothing: nothing to carry. Sampled out, the decision still travels, so that what this
    // work causes is not sampled either.
    return trace.isSpanContextValid(span.spanContext()) ? context.with(trace.setSpan(parent, span), () => work(span)) : work(span);
  }
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await work(span);
    } catch (error) {
      if (options.outcomeOf) markFailed(span, error, options.outcomeOf(error));
      throw error;
    } finally {
      span.end();
    }
  });
}

const KIND_OF: Record<MessagingOperation, SpanKind> = { send: SpanKind.CLIENT, publish: SpanKind.PRODUCER, process: SpanKind.SERVER };

/** Marks a messaging span with how its work failed: an error of the system when unexpected or unreachable, not when refused. */
export function markFailed(span: Span, error: unknown, outcome: MessageOutcome): void {
  if (!span.isRecording()) return;
  span.setAttribute('tessera.outcome', outcome);
  if (outcome !== 'error' && outcome !== 'unavailable') return;
  const message = error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error);
  span.recordException(error instanceof Error ? error : { message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

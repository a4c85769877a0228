import { currentTraceCarrier, TraceCarrier } from '../observability/messaging-tracing';
import { currentCorrelationId, isCorrelationId } from './correlation.store';

/**
 * A payload as every transport carries it: the payload itself, and beside it
 * what travels with every message: the correlation id of the request it is
 * sent for, and the W3C trace context of the span that sent it.
 */
export interface WireEnvelope<T = unknown> {
  $data: T;
  /** `deadline`: when the sender of a request stops waiting for its answer, in ms since the epoch by its clock. */
  $meta: { correlationId?: string; deadline?: number } & TraceCarrier;
}

/** What a received payload came with. */
interface ReceivedWith {
  correlationId?: string;
  trace?: TraceCarrier;
  deadline?: number;
}

// What each received payload came with, for the handler that takes that very object; it goes when the payload does.
const receivedWith = new WeakMap<object, ReceivedWith>();

/**
 * Wraps a payload for the wire, with the correlation id of the current request and the current trace context, and
 * for a request its sender's `deadline` (see lateness.ts).
 */
export function toWire<T>(payload: T, correlationId: string | undefined = currentCorrelationId(), deadline?: number): WireEnvelope<T> {
  const trace = currentTraceCarrier();
  const meta: WireEnvelope['$meta'] = correlationId ? { correlationId } : {};
  if (deadline !== undefined) meta.deadline = deadline;
  return { $data: payload, $meta: trace ? Object.assign(meta, trace) : meta };
}

/** Whether a received value is an envelope, rather than a payload sent bare by a sender that does not wrap. */
export function isWireEnvelope(value: unknown): value is WireEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const meta = (value as { $meta?: unknown }).$meta;
  return typeof meta === 'object' && meta !== null && Object.keys(value).every((key) => key === '$data' || key === '$meta');
}

/**
 * The payload of a received value, remembering the correlation id and the
 * trace context it came with (see correlationIdOf, traceCarrierOf). A bare
 * payload is taken as it is, without either; so is an id that is not one
 * (isCorrelationId).
 */
export function fromWire<T = unknown>(value: unknown): T {
  if (!isWireEnvelope(value)) return value as T;
  const payload = value.$data;
  const { correlationId, traceparent, tracestate, deadline } = value.$meta;
  // A primitive payload cannot be remembered: its handler runs without the id, which is why contracts are objects.
  if (typeof payload !== 'object' || payload === null) return payload as T;
  const received: ReceivedWith = {};
  if (isCorrelationId(correlationId)) received.correlationId = correlationId;
  // Checked by the propagator that reads it: a malformed one is ignored there, and the handling starts a trace.
  if (typeof traceparent === 'string') received.trace = typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
  if (typeof deadline === 'number' && Number.isFinite(deadline)) received.deadline = deadline;
  if (received.correlationId || received.trace || received.deadline !== undefined) receivedWith.set(payload, received);
  return payload as T;
}

/** A copy of a received payload, for one of several handlers of it, that remembers what the payload arrived with. */
export function receivedCopyOf<T>(payload: T): T {
  const copy = structuredClone(payload);
  const received = typeof payload === 'object' && payload !== null ? receivedWith.get(payload) : undefined;
  if (received) receivedWith.set(copy as object, received);
  return copy;
}

/** The correlation id a payload arrived with, when fromWire unwrapped it. */
export function correlationIdOf(payload: unknown): string | undefined {
  return typeof payload === 'object' && payload !== null ? receivedWith.get(payload)?.correlationId : undefined;
}

/** The trace context a payload arrived with, when fromWire unwrapped it. */
export function traceCarrierOf(payload: unknown): TraceCarrier | undefined {
  return typeof payload === 'object' && payload !== null ? receivedWith.get(payload)?.trace : undefined;
}

/** When the sender of a received request stops waiting for its answer (by the sender's clock), when it said. */
export function deadlineOf(payload: unknown): number | undefined {
  return typeof payload === 'object' && payload !== null ? receivedWith.get(payload)?.deadline : undefined;
}

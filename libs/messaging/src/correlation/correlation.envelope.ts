import { currentCorrelationId, isCorrelationId } from './correlation.store';

/** A payload as every transport carries it: the payload itself, and beside it what travels with every message. */
export interface WireEnvelope<T = unknown> {
  $data: T;
  $meta: { correlationId?: string };
}

// The id each received payload came with, for the handler that takes that very object; it goes when the payload does.
const receivedWith = new WeakMap<object, string>();

/** Wraps a payload for the wire, with the correlation id of the current request. */
export function toWire<T>(payload: T, correlationId: string | undefined = currentCorrelationId()): WireEnvelope<T> {
  return { $data: payload, $meta: correlationId ? { correlationId } : {} };
}

/** Whether a received value is an envelope, rather than a payload sent bare by a sender that does not wrap. */
export function isWireEnvelope(value: unknown): value is WireEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const meta = (value as { $meta?: unknown }).$meta;
  return typeof meta === 'object' && meta !== null && Object.keys(value).every((key) => key === '$data' || key === '$meta');
}

/**
 * The payload of a received value, remembering the correlation id it came with
 * (see correlationIdOf). A bare payload is taken as it is, without an id; so
 * is an id that is not one (isCorrelationId).
 */
export function fromWire<T = unknown>(value: unknown): T {
  if (!isWireEnvelope(value)) return value as T;
  const payload = value.$data;
  const correlationId = value.$meta.correlationId;
  // A primitive payload cannot be remembered: its handler runs without the id, which is why contracts are objects.
  if (isCorrelationId(correlationId) && typeof payload === 'object' && payload !== null) receivedWith.set(payload, correlationId);
  return payload as T;
}

/** The correlation id a payload arrived with, when fromWire unwrapped it. */
export function correlationIdOf(payload: unknown): string | undefined {
  return typeof payload === 'object' && payload !== null ? receivedWith.get(payload) : undefined;
}

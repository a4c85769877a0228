import { ERROR_CODES } from '@tessera/contracts';
import { TimeoutError } from 'rxjs';
import { RemoteError } from '../errors/remote.error';

/**
 * CONTEXT_UNAVAILABLE as this client saw it: no answer in time, no connection,
 * nobody listening. Only this kind is retried and opens the circuit: the same
 * code answered by a context about a context it needed says nothing about the
 * health of the one that answered.
 */
export class ContextUnreachableError extends RemoteError {
  constructor(message: string) {
    super(ERROR_CODES.CONTEXT_UNAVAILABLE, message);
  }
}

// Node's socket errors, then the NATS client's connection codes ('503' is "no responders").
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONN_ERR',
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'CONNECTION_REFUSED',
  'CONNECTION_TIMEOUT',
  'DISCONNECT',
  '503',
]);

// What Nest's clients report without a code: TCP when the socket closes under a
// pending request, NATS when nobody subscribes to the subject, RabbitMQ when the
// broker connection is lost.
const UNREACHABLE_MESSAGES = [/^Connection closed$/, /^Empty response\. There are no subscribers/, /Connection lost/];

/** Whether what a transport delivered instead of an answer means the context could not be reached at all. */
export function isUnreachableFailure(error: unknown): boolean {
  if (error instanceof TimeoutError || error instanceof ContextUnreachableError) return true;
  if (typeof error !== 'object' && typeof error !== 'string') return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return UNREACHABLE_CODES.has(code);
  // An answer always carries a code, so a bare message can only come from the transport.
  const message = typeof error === 'string' ? error : (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * One replica of a context could not be reached while another is still in
 * rotation: retried like any failure to reach the context (a query, on another
 * replica), but no sign that the context is down, so it never opens the circuit.
 */
export class ReplicaUnreachableError extends ContextUnreachableError {}

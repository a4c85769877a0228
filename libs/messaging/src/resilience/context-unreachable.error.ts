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
  constructor(
    message: string,
    /**
     * The request surely never reached the context (nobody listening, a connection refused, an open circuit), so
     * it did nothing there; unlike a timeout or a lost connection, after which it may have run.
     */
    readonly notDelivered = false,
  ) {
    super(ERROR_CODES.CONTEXT_UNAVAILABLE, message);
  }
}

/**
 * What a stopping TCP server answers a request that reached it once it had
 * begun to stop: the request did not run there, so it may go to another
 * replica at once, a command too (see wasNotTaken).
 */
export const STOPPING_CODE = 'STOPPING';

// Node's socket errors, then the NATS client's connection codes ('503' is "no responders").
const UNREACHABLE_CODES = new Set([
  STOPPING_CODE,
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
// broker connection is lost; and amqplib, through Nest's RabbitMQ client, when the
// connection closes under a request the broker has not confirmed yet (a missed
// heartbeat, the broker's host gone), which may or may not have reached its queue.
const UNREACHABLE_MESSAGES = [/^Connection closed$/, /^Empty response\. There are no subscribers/, /Connection lost/, /^channel closed$/i];

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
 * Whether a request surely did not run where it was sent: the server said it
 * is stopping and turned it away, or there was no server to connect to.
 * Unlike a connection lost or a timeout, which may come after the work was
 * done, this leaves no doubt, so sending it elsewhere cannot do anything twice.
 */
export function wasNotTaken(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === STOPPING_CODE || code === 'ECONNREFUSED';
}

/** Whether a request failed without ever reaching its context (ContextUnreachableError.notDelivered): it did nothing there. */
export function wasNeverDelivered(error: unknown): boolean {
  return error instanceof ContextUnreachableError && error.notDelivered;
}

/**
 * One replica of a context could not be reached while another is still in
 * rotation: retried like any failure to reach the context (a query, on another
 * replica), but no sign that the context is down, so it never opens the circuit.
 */
export class ReplicaUnreachableError extends ContextUnreachableError {}

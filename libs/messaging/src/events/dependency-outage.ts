import { ERROR_CODES } from '@tessera/contracts';
import { isDatabaseUnavailable } from '../errors/database-unavailable';

/**
 * Whether a handler failed because something it needs was away, not because of
 * the event: CONTEXT_UNAVAILABLE, however it came to be (another context
 * unreachable or answering so, a service outside the shop that did not answer,
 * such as a payment provider), or the handler's own database unable to serve.
 * Such a failure ends with the outage, so it does not bring the event closer to
 * being a dead letter (ADR 0020).
 */
export function isDependencyOutage(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === ERROR_CODES.CONTEXT_UNAVAILABLE || isDatabaseUnavailable(error);
}

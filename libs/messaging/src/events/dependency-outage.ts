import { ERROR_CODES } from '@tessera/contracts';
import { isDatabaseUnavailable } from '../errors/database-unavailable';
import { RemoteError } from '../errors/remote.error';

/**
 * Whether a handler failed because something it needs was away, not because of
 * the event: another context unreachable or answering that it is unavailable
 * (CONTEXT_UNAVAILABLE, however the client or that context came to it), or the
 * handler's own database unable to serve. Such a failure ends with the outage,
 * so it does not bring the event closer to being a dead letter (ADR 0020).
 */
export function isDependencyOutage(error: unknown): boolean {
  return (error instanceof RemoteError && error.code === ERROR_CODES.CONTEXT_UNAVAILABLE) || isDatabaseUnavailable(error);
}

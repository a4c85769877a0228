import { ERROR_CODES, ErrorPayload } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { isDatabaseUnavailable } from './database-unavailable';
import { RemoteError } from './remote.error';

/**
 * The wire's error shape for what a message handler threw: a domain error
 * keeps its code and message; a database that cannot serve now, like an
 * unavailable downstream context, is CONTEXT_UNAVAILABLE, which a caller may
 * retry shortly; anything else leaves as INTERNAL. So no stack, SQL or class
 * name ever crosses a boundary; the caller logs what was hidden.
 */
export function errorPayloadOf(error: unknown): ErrorPayload {
  if (isDatabaseUnavailable(error)) return { code: ERROR_CODES.CONTEXT_UNAVAILABLE, message: 'The database this request needs is unavailable' };
  if (isUnexpectedFailure(error)) return { code: ERROR_CODES.INTERNAL, message: 'The request could not be completed' };
  if (error instanceof DomainError) {
    const { errors, ...details } = (error.details ?? {}) as { errors?: ErrorPayload['errors'] } & Record<string, unknown>;
    return {
      code: error.code,
      message: error.message,
      ...(errors ? { errors } : {}),
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
  }
  // A context this one needed did not answer: so, for the caller, neither did this one.
  return { code: ERROR_CODES.CONTEXT_UNAVAILABLE, message: (error as RemoteError).message };
}

/** Whether the error is no answer (a domain refusal, or a context unavailable downstream) but a failure here: then it is worth a log line. */
export function isUnexpectedFailure(error: unknown): boolean {
  return !(error instanceof DomainError) && !(error instanceof RemoteError && error.code === ERROR_CODES.CONTEXT_UNAVAILABLE);
}

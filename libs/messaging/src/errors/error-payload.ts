import { ERROR_CODES, ErrorPayload } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { RemoteError } from './remote.error';

/**
 * The wire's error shape for what a message handler threw: a domain error
 * keeps its code and message; anything else leaves as INTERNAL (its caller
 * logs it), so no stack, SQL or class name ever crosses a boundary. An
 * unavailable downstream context stays CONTEXT_UNAVAILABLE.
 */
export function errorPayloadOf(error: unknown): ErrorPayload {
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

/** Whether errorPayloadOf hides what happened behind INTERNAL: then the error itself is worth a log line. */
export function isUnexpectedFailure(error: unknown): boolean {
  return !(error instanceof DomainError) && !(error instanceof RemoteError && error.code === ERROR_CODES.CONTEXT_UNAVAILABLE);
}
